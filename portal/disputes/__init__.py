"""矛盾纠纷排查化解: the village grid workers' daily checks (日摸排), the dispute ledger and
the town's weekly report (周汇报) and monthly summary (月汇总)."""
