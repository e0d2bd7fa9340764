"""政府信息公开工作年度报告 (国办公开办函〔2021〕30号): the figures, the narrative, the
administrative reconsideration and litigation records, and the report's exports."""
