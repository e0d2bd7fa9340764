"""bench/RESULTS.md: the machine, the settings, a table per size, the ceilings, growth
from 10k to 100k disclosures, and each target met or missed (and by how much)."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from importlib import metadata
from pathlib import Path

from bench.ceilings import range_note
from bench.ceilings import share as _turns_share

PAGE_LABELS = {
    "home": "首页 /", "list": "公开信息列表 /disclosures/", "detail": "公开信息详情",
    "search": "搜索 /search", "village": "村务公开栏", "dashboard": "纪检监督首页 /inspect/",
    "annual_report": "年度报告 /inspect/annual-report/<年>",
}
SIZE_LABELS = {"tiny": "tiny", "small": "small（1 千条公开信息 / 1 万件留言）",
               "medium": "medium（1 万 / 10 万）", "large": "large（10 万 / 100 万）"}
THROUGHPUT_PAGES = ("home", "list", "detail", "village")
TARGET_SIZE = "large"
# The WordPress stack (PHP-FPM, MariaDB, nginx) serving the same county, measured once
# on this machine; not part of `make bench`, which has no PHP or MySQL.
WORDPRESS_MB = 363
SUBMISSIONS_PER_SECOND = 150  # at the large size, on SQLite and on PostgreSQL


NOTES = Path(__file__).resolve().parent / "NOTES.md"


def _command_version(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    return (done.stdout + done.stderr).strip().splitlines()[0] if (done.stdout + done.stderr) \
        else "?"


def measured_now() -> dict:
    """When a size's measurement starts: the time, the code and the machine's load, kept
    with its figures so that a report rendered later (`--render-only`) tells them truly."""
    return dict(at=time.strftime("%Y-%m-%d %H:%M %Z"),
                commit=_command_version("git", "rev-parse", "--short", "HEAD"),
                load=round(os.getloadavg()[0], 1))


def _measured(results: list[dict]) -> list[str]:
    """One line per measured size and database; runs saved before this was kept: none."""
    parts = [f"{DATABASE_LABELS.get(r.get('database', 'sqlite'), 'SQLite')} {r['size']} "
             f"{m['at']}，代码版本 `{m['commit']}`，"
             + (f"1 分钟平均负载 {m['load']:.1f}" if m.get("load") is not None else "负载未记录")
             for r in results if (m := r.get("measured"))]
    return [f"- 各次测量开始时：{'；'.join(parts)}"] if parts else []


def machine(results: list[dict] | None = None) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    commit = _command_version("git", "rev-parse", "--short", "HEAD")
    versions = ", ".join(f"{name} {metadata.version(name)}"
                         for name in ("Flask", "SQLAlchemy", "gunicorn", "Jinja2"))
    return [
        f"- 日期（生成本文件）：{time.strftime('%Y-%m-%d %H:%M %Z')}；代码版本 `{commit}`",
        *_measured(results or []),
        f"- 机器：{os.cpu_count()} 核 {cpu}；内存 {memory / 1024 / 1024:.1f} GB；"
        f"{platform.system()} {platform.release()}",
        f"- 负载（生成本文件时 1 分钟平均）：{os.getloadavg()[0]:.1f}",
        f"- 软件：Python {platform.python_version()}，SQLite {sqlite3.sqlite_version}，{versions}；"
        f"{_command_version('wrk', '-v')}；{_command_version('nginx', '-v')}",
    ]


def _share(value: float, ceiling: float) -> float:
    return value / ceiling if ceiling else 0.0


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _rps(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def _incomplete(m: dict) -> bool:
    """No request finished while wrk measured (its latencies are then a lower bound)."""
    return bool(m.get("incomplete")) or m.get("requests") == 0


def _cell(m: dict, key: str) -> str:
    return f"> {_ms(m[key])}" if _incomplete(m) else _ms(m[key])


def _answers(m: dict) -> str:
    """Answers other than 200 by status (warm-up included), and socket errors."""
    statuses = dict(m.get("statuses") or {})
    for code, count in (m.get("warmup_statuses") or {}).items():
        statuses[code] = statuses.get(code, 0) + count
    parts = [f"{code} × {count}" for code, count in sorted(statuses.items())]
    if m.get("errors"):
        parts.append(f"错误 × {m['errors']}")
    return "、".join(parts) or "0"


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def _memory_cells(m: dict) -> str:
    """Peak Pss of the worst worker / its peak RSS, and the whole portal's peak Pss."""
    memory = m.get("memory") or {}
    if not memory:
        return " | "
    return (f"{_mb(max(memory['pss_kb'], default=0))} / {_mb(max(memory['rss_kb'], default=0))}"
            f" MB | {_mb(memory['total_pss_kb'])} MB")


def _all_memory(result: dict) -> list[dict]:
    runs = [m.get("memory") for m in (*result["pages"].values(),
                                       *result.get("cold", {}).values(),
                                       *([result["mixed"]] if "mixed" in result else []))]
    runs.append(result.get("submissions_memory"))
    runs.append(result.get("memory"))
    return [m for m in runs if m]


def _page_rows(result: dict) -> list[str]:
    framework = result["ceilings"]["framework"]["rps"]
    nginx = result["ceilings"]["nginx"]["rps"]
    rows = ["| 页面 | 请求/秒 | p50 ms | p95 ms | p99 ms | 占框架上限 | 占 nginx 上限 "
            "| 非 200 / 错误 | worker 峰值 Pss / RSS | 全部进程 Pss 峰值 | 单独一次请求 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    cold = result.get("cold", {})
    for name, m in result["pages"].items():
        rows.append(f"| {PAGE_LABELS[name]} | {_rps(m['rps'])} | {_cell(m, 'p50')} | "
                    f"{_cell(m, 'p95')} | {_cell(m, 'p99')} | {_turns_share(m, framework):.0%} | "
                    f"{_share(m['rps'], nginx):.1%} | {_answers(m)} | "
                    f"{_memory_cells(m)} | {_ms(m.get('alone_ms', 0))} |")
        if name in cold:
            c = cold[name]
            rows.append(f"| {PAGE_LABELS[name]}（页面缓存关闭，每次渲染） | {_rps(c['rps'])} | "
                        f"{_cell(c, 'p50')} | {_cell(c, 'p95')} | {_cell(c, 'p99')} | "
                        f"{_turns_share(c, framework):.0%} | {_share(c['rps'], nginx):.1%} | "
                        f"{_answers(c)} | {_memory_cells(c)} | |")
    if "mixed" in result:
        m = result["mixed"]
        rows.append(f"| 混合负载：首页、列表、详情、村务公开栏，每秒一次发布、撤回或答复公开 | "
                    f"{_rps(m['rps'])} | {_cell(m, 'p50')} | {_cell(m, 'p95')} | "
                    f"{_cell(m, 'p99')} | {_share(m['rps'], framework):.0%} | "
                    f"{_share(m['rps'], nginx):.1%} | {_answers(m)} | {_memory_cells(m)} | |")
    ceilings = result["ceilings"]
    for label, m in (("上限：最简 Flask 应用（同一 gunicorn 配置）", ceilings["framework"]),
                     ("上限：nginx 静态文件", ceilings["nginx"])):
        rows.append(f"| {label} | {m['rps']:,.0f} | {_ms(m['p50'])} | {_ms(m['p95'])} | "
                    f"{_ms(m['p99'])} | | | {_answers(m)} | | | |")
    return [*rows, "", range_note([*result["pages"].values(), *cold.values()], "框架")]


NGINX_MODES = {"0": "每个请求问应用内容代（`PORTAL_PROXY_CACHE_SECONDS=0`）",
               "1": "内容代记 1 秒（`PORTAL_PROXY_CACHE_SECONDS=1`，默认）"}
NGINX_SHARE = 0.5  # behind nginx, public pages ≥ 50% of nginx's static-file rate
NGINX_TARGET_MODE = "1"  # the default mode: the one the target is for


def _behind_nginx(result: dict) -> list[str]:
    """The portal behind docs/deploy/nginx.conf (bench/nginx_front.py), in both modes."""
    front = result.get("behind_nginx")
    if not front:
        return []
    nginx = result["ceilings"]["nginx"]
    lines = ["### nginx 之后（`docs/deploy/nginx.conf`，回环、无 TLS）", "",
             "同一份配置（按内容代存页面的缓存、JSON 访问日志）放在 gunicorn 前面，门户如 "
             "`docs/deploy/portal.env` 设 `PORTAL_PROXY_CACHE_GENERATIONS=1`；"
             "每个页面各用一个新启动的 gunicorn 与 nginx（缓存清空）。占比以同一次运行中 "
             "nginx 直接发静态文件（首页字节）的请求/秒为准。", "",
             "| 页面 | nginx 缓存方式 | 请求/秒 | p50 ms | p95 ms | p99 ms | 占 nginx 静态文件上限 "
             "| nginx 缓存：HIT / 回源 | 非 200 / 错误 |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for mode, figures in front["modes"].items():
        for name, m in figures["pages"].items():
            cache = m.get("cache") or {}
            hits = cache.get("HIT", 0)
            lines.append(f"| {PAGE_LABELS[name]} | {NGINX_MODES.get(mode, mode)} | "
                         f"{_rps(m['rps'])} | {_cell(m, 'p50')} | {_cell(m, 'p95')} | "
                         f"{_cell(m, 'p99')} | {_turns_share(m, nginx['rps']):.1%} | "
                         f"{hits:,} / {sum(cache.values()) - hits:,} | {_answers(m)} |")
    lines.append(f"| 上限：nginx 静态文件 | | {nginx['rps']:,.0f} | {_ms(nginx['p50'])} | "
                 f"{_ms(nginx['p95'])} | {_ms(nginx['p99'])} | 100% | | {_answers(nginx)} |")
    lines += ["", range_note([m for f in front["modes"].values() for m in f["pages"].values()],
                             " nginx 静态文件")]
    for mode, figures in front["modes"].items():
        w = figures.get("withdrawal")
        if w:
            lines.append(
                f"- 撤回（{NGINX_MODES.get(mode, mode)}）：nginx 持有该文（{w['held']}）时经门户"
                f"自己的服务撤回，提交后 {w['gone_ms']:,.0f} ms 经 nginx 返回 404"
                f"（每 {w['limit_ms'] - 1000:.0f} ms 询问一次，共 {w['polls']} 次，其间仍返回"
                f"页面 {w['served_after']} 次；上限 {w['limit_ms']:.0f} ms，超过即压测失败）。")
    return [*lines, ""]


def _behind_nginx_targets(result: dict) -> list:
    front = result.get("behind_nginx")
    if not front or NGINX_TARGET_MODE not in front["modes"]:
        return []
    nginx, rows = result["ceilings"]["nginx"]["rps"], []
    figures = front["modes"][NGINX_TARGET_MODE]
    for name, m in figures["pages"].items():
        share = _turns_share(m, nginx)
        rows.append(_row(f"nginx 之后 {PAGE_LABELS[name]} ≥ {NGINX_SHARE:.0%} nginx 静态文件"
                         f"请求/秒（{NGINX_MODES[NGINX_TARGET_MODE]}）", f"{share:.0%}",
                         share / NGINX_SHARE, True))
    for mode, figures in front["modes"].items():
        w = figures.get("withdrawal")
        if w:
            rows.append(_row(f"撤回后经 nginx 消失 ≤ 1000 ms + 一次询问（{NGINX_MODES[mode]}）",
                             f"{w['gone_ms']:,.0f} ms", w["gone_ms"] / w["limit_ms"], False))
    return rows


def _size_section(result: dict) -> list[str]:
    if result.get("only") == "nginx":
        return [f"## {SIZE_LABELS.get(result['size'], result['size'])}", "",
                "本次只测 nginx 之后的公开页面（`BENCH_ONLY=nginx`）。", "",
                *_behind_nginx(result)]
    s, mem = result["submissions"], result.get("memory") or {}
    lines = [f"## {SIZE_LABELS.get(result['size'], result['size'])}", "", *_page_rows(result), ""]
    turns = s.get("turns") or []
    rate = (f"{len(turns)} 段各测 {s['seconds'] / len(turns):.0f} 秒，"
            f"{' / '.join(f'{x:.1f}' for x in turns)} 件/秒，取中位数 {s['per_second']:.1f} 件/秒；"
            f"共 {s['accepted']} 件成功" if len(turns) > 1 else
            f"{s['accepted']} 件成功，{s['per_second']:.1f} 件/秒（{s['seconds']:.1f} 秒）")
    lines.append(
        f"- 留言提交：{rate}，库中新增 {s['rows']} 行，丢失 {s['lost']}，"
        f"被拒 {s['refused']}，连接错误 {s['errors']}；"
        f"提交 p50 {_ms(s['p50'])} ms、p99 {_ms(s['p99'])} ms"
        + (f"；压测进程（提交的“群众”）每件用 CPU {s['client_cpu_ms']:.2f} ms"
           if "client_cpu_ms" in s else "")
        + (f"；样例：{'; '.join(s['samples'])}" if s["samples"] else ""))
    if "mixed" in result:
        m, w = result["mixed"], result["mixed"]["writes"]
        done = w.get("done", {})
        lines.append(
            f"- 混合负载：测量前每个读取的网址先各请求一次（{m.get('prewarmed', 0):,} 个，"
            "如同已运行一段时间的网站，命中率衡量的是变动造成的失效，不是第一次渲染）；"
            f"读取时页面缓存命中 {m['hits']:,} 次、未命中 {m['misses']:,} 次，"
            f"命中率 {m['hit_rate']:.1%}；同时发布 {done.get('publish', 0)} 篇、撤回 "
            f"{done.get('withdraw', 0)} 篇、公开答复 {done.get('reply', 0)} 件"
            + (f"，失败 {len(w['failed'])} 次（{'；'.join(w['failed'][:3])}）" if w["failed"]
               else "")
            + f"；每次撤回提交后立即请求该文 10 次，共 {w['checked_after_withdrawal']} 次，"
            f"仍返回页面 {w['served_after_withdrawal']} 次。")
    if mem:
        lines.append(
            f"- 内存（每个页面各用一个新启动的 gunicorn；这里是 worker Pss 峰值最高的一次："
            f"{PAGE_LABELS.get(mem.get('page'), mem.get('page'))}；gunicorn 按 max_requests "
            "回收后新起的 worker 各算一项）：各 worker Pss 峰值 "
            + "、".join(f"{_mb(kb)} MB" for kb in mem["pss_kb"])
            + "；各 worker RSS 峰值（VmHWM，含与 master 共享的页）"
            + "、".join(f"{_mb(kb)} MB" for kb in mem["rss_kb"])
            + f"；master Pss {_mb(mem['master_pss_kb'])} MB；master 与全部 worker 合计 Pss 峰值 "
            f"{_mb(mem['total_pss_kb'])} MB。Pss 把共享页按共享进程数均分，各进程相加即实际占用；"
            "RSS 把 master 载入后共享给各 worker 的页（应用代码、jieba 词典）"
            "在每个 worker 里各算一次。")
        lines.append("- 全部进程 Pss 峰值在所有测量中最高："
                     f"{_mb(max(m['total_pss_kb'] for m in _all_memory(result)))} MB")
    return [*lines, "", *_behind_nginx(result)]


def _growth(results: dict[str, dict]) -> dict[str, tuple[float, float]]:
    if "medium" not in results or "large" not in results \
            or not results["medium"].get("pages") or not results["large"].get("pages"):
        return {}
    small, big = results["medium"]["pages"], results["large"]["pages"]
    growth = {}
    for name in big:
        if name in small and not (_incomplete(big[name]) or _incomplete(small[name])):
            growth[name] = (big[name]["p50"] / small[name]["p50"],
                            big[name]["p99"] / small[name]["p99"])
        elif name in small:
            growth[name] = (None, None)  # a size finished no request: no ratio to give
    return growth


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _growth_section(growth: dict) -> list[str]:
    if not growth:
        return ["## 1 万 → 10 万条公开信息的延迟增长", "", "本次只测了一个规模，未计算。", ""]
    rows = ["## 1 万 → 10 万条公开信息的延迟增长（large ÷ medium）", "",
            "| 页面 | p50 增长 | p99 增长 |", "| --- | ---: | ---: |"]
    rows += [f"| {PAGE_LABELS[name]} | {_ratio(p50)} | {_ratio(p99)} |"
             for name, (p50, p99) in growth.items()]
    return [*rows, ""]


def _row(target: str, measured: str, ratio: float | None, at_least: bool, gap: str = ""):
    """One target line: met when the ratio measured ÷ required is ≥ 1 (a floor) or ≤ 1
    (a ceiling); the ratio is printed either way."""
    ok = ratio is not None and (ratio >= 1 if at_least else ratio <= 1)
    return (target, measured, ok, "—" if ratio is None else f"{ratio:.2f}", gap)


def targets(results: dict[str, dict]) -> list[tuple[str, str, bool, str, str]]:
    """(target, measured, met, measured ÷ required, note) at the large size (or the
    largest measured)."""
    size = TARGET_SIZE if TARGET_SIZE in results else list(results)[-1]
    result = results[size]
    if result.get("only") == "nginx":
        return _behind_nginx_targets(result)
    pages, framework = result["pages"], result["ceilings"]["framework"]["rps"]
    rows = []

    def latency(m: dict, label: str, key: str, limit: float) -> None:
        value, incomplete = m[key], _incomplete(m)
        gap = "测量时段内没有完成的请求：实际更慢" if incomplete else ""
        rows.append(_row(f"{label} {key} ≤ {limit:g} ms", f"{_cell(m, key)} ms",
                         None if incomplete else value / limit, False, gap))

    def share(m: dict, label: str, floor: float) -> None:
        value = _turns_share(m, framework)
        rows.append(_row(f"{label} ≥ {floor:.0%} 框架上限请求/秒", f"{value:.0%}",
                         value / floor, True))

    for name in THROUGHPUT_PAGES:
        share(pages[name], PAGE_LABELS[name], 0.8)
        latency(pages[name], PAGE_LABELS[name], "p99", 100)
    for name, m in result.get("cold", {}).items():
        if name in THROUGHPUT_PAGES:  # the cold search row is shown, with no share target
            share(m, f"{PAGE_LABELS[name]}（页面缓存关闭）", 0.25)
    if "mixed" in result:
        m = result["mixed"]
        rows.append(_row("混合负载（每秒一次发布、撤回或答复公开）页面缓存命中率 ≥ 90%",
                         f"{m['hit_rate']:.1%}", m["hit_rate"] / 0.9, True))
        latency(m, "混合负载读取", "p99", 100)
        served = m["writes"]["served_after_withdrawal"]
        rows.append(_row("撤回提交后不再返回该文", f"{served} 次返回页面"
                         f"（共请求 {m['writes']['checked_after_withdrawal']} 次）",
                         1.0 if served == 0 and m["writes"]["checked_after_withdrawal"] else 0.0,
                         True))
    latency(pages["search"], PAGE_LABELS["search"], "p95", 50)
    # The dashboard: p99 ≤ 500 ms under the run's concurrent connections, and a first
    # request on a freshly started portal (nothing cached in the worker) ≤ 300 ms.
    latency(pages["dashboard"], f"{PAGE_LABELS['dashboard']}（并发）", "p99", 500)
    if pages["dashboard"].get("alone_ms"):
        cold = pages["dashboard"]["alone_ms"]
        rows.append(_row(f"{PAGE_LABELS['dashboard']} 冷启动后第一次请求 ≤ 300 ms",
                         f"{_ms(cold)} ms", cold / 300, False))
    latency(pages["annual_report"], PAGE_LABELS["annual_report"], "p99", 2000)
    s = result["submissions"]
    whole = s["lost"] == 0 and s["refused"] == 0 and s["errors"] == 0
    rows.append(_row(f"留言提交 ≥ {SUBMISSIONS_PER_SECOND} 件/秒且零丢失",
                     f"{s['per_second']:.1f} 件/秒，丢失 {s['lost']}，被拒 {s['refused']}，"
                     f"错误 {s['errors']}",
                     s["per_second"] / SUBMISSIONS_PER_SECOND if whole else 0.0, True,
                     "" if whole else "有丢失或失败"))
    runs = _all_memory(result)
    if runs:
        peak = max(max(m["pss_kb"], default=0) for m in runs) / 1024
        rss = max(max(m["rss_kb"], default=0) for m in runs) / 1024
        rows.append(_row("每个 worker 峰值内存（Pss）≤ 150 MB",
                         f"{peak:.0f} MB（RSS {rss:.0f} MB）", peak / 150, False))
        total = max(m["total_pss_kb"] for m in runs) / 1024
        # Summed over the processes alive at each sample; a worker gunicorn recycled
        # (max_requests) and its successor never count together.
        rows.append(_row(f"整个门户（master 与同时在运行的 worker，Pss 合计）"
                         f"< WordPress 参照 {WORDPRESS_MB} MB", f"{total:.0f} MB",
                         total / WORDPRESS_MB, False,
                         "参照值是另行测得的 WordPress 栈，不在本次运行中测量"))
    for name, (p50, _p99) in _growth(results).items():
        rows.append(_row(f"{PAGE_LABELS[name]} 延迟增长（p50）≤ 1.5×",
                         "—" if p50 is None else f"{p50:.2f}×",
                         None if p50 is None else p50 / 1.5, False,
                         "有一个规模在测量时段内没有完成的请求，无法计算" if p50 is None else ""))
    return [*rows, *_behind_nginx_targets(result)]


LOG_OPERATIONS = {"append": "追加一条审计事件（含提交）", "inclusion": "包含证明（并校验）",
                  "consistency": "一致性证明（并校验）",
                  "endpoint": "GET /transparency/proof/inclusion"}


def _transparency_section(result: dict) -> list[str]:
    """The Merkle log at BENCH_LOG_SIZE leaves beside a small tree, measured taking turns."""
    small, large = result["small"], result["large"]
    lines = ["## 透明日志（Merkle 树）", "",
             f"同一进程中轮流测量 {small['tree_size']:,} 片叶子与 {large['tree_size']:,} 片叶子的"
             "两棵树（SQLite，`bench/transparency_timing.py`）；比值说明用时随日志规模增长的程度。"
             "目标：大树上证明 ≤ 10 ms。", "",
             "| 操作 | 小树中位数 | 大树中位数 | 大树 p99 | 比值 | 证明 ≤ 10 ms |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, label in LOG_OPERATIONS.items():
        a, b = small[name], large[name]
        goal = ("达到" if b["median_ms"] <= 10 else "未达到") if name != "append" else "—"
        lines.append(f"| {label} | {a['median_ms']:.3f} ms | {b['median_ms']:.3f} ms | "
                     f"{b['p99_ms']:.3f} ms | {b['median_ms'] / a['median_ms']:.2f} | {goal} |")
    return [*lines, ""]


def _failures_section(failures: list[str]) -> list[str]:
    if not failures:
        return ["## 非 200 应答与连接错误", "",
                "无：每次测量（含预热）的每个应答都是 200，没有连接错误或超时。", ""]
    return ["## 非 200 应答与连接错误：本次压测失败", "",
            "以下测量（含预热）收到了 200 以外的应答（重定向、404、500 等）或连接错误；"
            "这些测量的数字不可信，`make bench` 以退出码 1 结束。", "",
            *(f"- {line}" for line in failures), ""]


DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _by_database(results: list[dict]) -> dict[str, dict[str, dict]]:
    """{database: {size: result}}, in the order measured (older runs: SQLite only)."""
    grouped: dict[str, dict[str, dict]] = {}
    for r in results:
        grouped.setdefault(r.get("database", "sqlite"), {})[r["size"]] = r
    return grouped


def render(results: list[dict], settings: dict, transparency: dict | None = None,
           failures: list[str] | None = None) -> str:
    grouped = _by_database(results)
    lines = ["# 压测结果（`make bench`）", "",
             "由 `make bench` 生成（`bench/run.py`）。本文件每次运行都会重写。", "",
             *machine(results), "",
             f"- 设置：gunicorn {settings['workers']} 个同步 worker"
             "（2 × 核数 + 1，与 `make run` 相同：同步 worker 在等待 SQLite 时让出 CPU，"
             "多一个 worker 补上空档）；"
             f"wrk {settings['wrk_threads']} 线程、{settings['connections']} 个连接，"
             "公开页面先把要测的每个网址各请求一次（与混合负载、nginx 之后相同：像已运行一段时间的"
             "网站，首次渲染不落进测量时段；渲染本身的快慢见“页面缓存关闭”各行），"
             f"每个页面再预热 {settings['warmup']} 秒后测 {settings['duration']} 秒；"
             "详情、搜索、村务公开栏的请求分散到多个 id、词和村（`bench/paths.lua`）；"
             "纪检页面用经登录表单（含动态验证码步骤）登录的纪检账号会话；"
             f"留言提交由 {settings['submitters']} 个并发“群众”经公开表单完成"
             "（每次重新取表单、CSRF 与一次性提交令牌，蜜罐字段留空），限流关闭"
             f"（`PORTAL_RATELIMIT_ENABLED=0`），同样先预热 {settings['warmup']} 秒（另用一个标题，"
             "不计入结果），再测 "
             f"{settings.get('submission_turns', 1)} 段、每段 {settings['duration']} 秒（各用一个"
             "标题；多于一段时取速率的中位数），事后按标题数库中行数核对丢失（预热的也核对）。",
             "- 每个页面（及留言提交）各用一个新启动的 gunicorn：先预热再测量，测完立即停止，"
             "排队未处理的请求不会拖慢下一个页面；wrk 只统计测量时段内完成的请求。"
             "“单独一次请求”是服务刚启动、没有其他负载时该页面第一个请求的用时（含冷启动）。",
             "- 压测程序与服务在同一台机器上运行（wrk、提交客户端也占 CPU；提交客户端是一个"
             " Python 进程里的线程，在普通套接字上收发 HTTP/1.1）；"
             "机器与他人共用时数字偏低且波动大。",
             "- 延迟目标未注明分位时按 p99 计；64 个连接下排队时间计入延迟。",
             *(["- PostgreSQL 由压测自行启动（Debian 的软件包，本机回环连接），设置取部署用的 "
                "`docs/deploy/postgresql.conf`（内存、每次提交写盘），与生产相同；测试套件自己的 "
                "PostgreSQL 不写盘，不用于压测。"]
               if "postgresql" in grouped else []), ""]
    for database, by_size in grouped.items():
        for result in by_size.values():
            section = _size_section(result)
            section[0] += f" · {DATABASE_LABELS.get(database, database)}"
            lines += section
        growth = _growth_section(_growth(by_size))
        growth[0] += f" · {DATABASE_LABELS.get(database, database)}"
        lines += growth
    if transparency:
        lines += _transparency_section(transparency)
    lines += _failures_section(failures or [])
    for database, by_size in grouped.items():
        size = TARGET_SIZE if TARGET_SIZE in by_size else list(by_size)[-1]
        lines += [f"## 目标（{DATABASE_LABELS.get(database, database)}，按 "
                  f"{SIZE_LABELS.get(size, size)} 计）", "",
                  "比值 = 实测 ÷ 目标值：“≥”的目标比值 ≥ 1 为达到，“≤”的目标比值 ≤ 1 为达到；"
                  "请求/秒的比值以同一次运行中与之轮流测得的上限为准（见各表下的说明）。", "",
                  "| 目标 | 实测 | 比值 | 是否达到 | 说明 |", "| --- | --- | ---: | --- | --- |"]
        lines += [f"| {t} | {m} | {ratio} | {'达到' if ok else '未达到'} | {gap} |"
                  for t, m, ok, ratio, gap in targets(by_size)]
        lines.append("")
    if NOTES.exists():  # the written explanation of misses, kept beside the generated figures
        lines += ["", NOTES.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def summary(results: list[dict]) -> str:
    lines = []
    for database, by_size in _by_database(results).items():
        met = targets(by_size)
        missed = [f"{t} ({ratio})" for t, _m, ok, ratio, _g in met if not ok]
        lines.append(f"{database}: targets met: {len(met) - len(missed)}/{len(met)}" + (
            "; missed: " + "; ".join(missed) if missed else ""))
    return "\n".join(lines)
