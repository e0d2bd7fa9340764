"""Bar charts drawn on the server as inline SVG: readable without JavaScript, printable,
and described in text for screen readers."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 44, 36, 16


def rate_bars(points: list[tuple[str, float | None]], title: str) -> Markup:
    """One bar per (label, rate 0–1); months with no replies are drawn as a gap."""
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / max(1, len(points))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-title">{escape(title)}</title>',
             f'<desc id="chart-desc">{escape(_describe(points))}</desc>']
    for pct in (0, 50, 100):
        y = MARGIN_TOP + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end" class="axis">{pct}%</text>')
    for index, (label, rate) in enumerate(points):
        x = MARGIN_LEFT + index * slot + slot * 0.15
        if rate is not None:
            height = plot_h * rate
            top = MARGIN_TOP + plot_h - height
            parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" '
                         f'width="{slot * 0.7:.1f}" height="{height:.1f}" '
                         f'class="{"bar-low" if rate < 0.9 else "bar"}"/>'
                         f'<text x="{x + slot * 0.35:.1f}" y="{top - 4:.1f}"'
                         f' text-anchor="middle" class="value">{rate:.0%}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 14}" text-anchor="middle" '
                     f'class="axis">{escape(label[-2:])}月</text>')
    parts.append("</svg>")
    # Numbers are formatted by us and every label and title went through escape().
    return Markup("".join(parts))  # nosec B704


def _describe(points: list[tuple[str, float | None]]) -> str:
    described = [f"{label}：{'无答复' if rate is None else f'{rate:.0%}'}"
                 for label, rate in points]
    return "按月答复按时率。" + "；".join(described)
