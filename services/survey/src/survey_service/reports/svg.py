"""Inline SVG charts for the HTML report: no script, no CDN, readable offline and in print."""

from __future__ import annotations

from html import escape

PALETTE = (
    "#c0392b",
    "#e67e22",
    "#f1c40f",
    "#27ae60",
    "#2980b9",
    "#8e44ad",
    "#7f8c8d",
    "#16a085",
    "#d35400",
    "#2c3e50",
    "#95a5a6",
)
LIKERT = ("#c0392b", "#e67e22", "#bdc3c7", "#5dade2", "#1f618d")  # bad → good


def _text_width(label: str) -> float:
    # CJK glyphs are about one em wide, Latin about half.
    return sum(13 if ord(c) > 0x2E80 else 7 for c in label)


def bar_chart(
    labels: list[str],
    values: list[float | None],
    *,
    unit: str = "%",
    max_value: float | None = None,
    title: str = "",
) -> str:
    """Horizontal bars, one per label; None values are drawn as "—" (suppressed/empty)."""
    if not labels:
        return ""
    label_w = min(260.0, max(_text_width(lb) for lb in labels) + 12)
    bar_w, row_h = 360.0, 24
    top = max((v for v in values if v is not None), default=0.0)
    scale = max_value or (top if top > 0 else 1.0)
    height = row_h * len(labels) + 8
    width = label_w + bar_w + 70
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}">'
    ]
    for i, (lb, v) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row_h
        short = lb if len(lb) <= 20 else lb[:19] + "…"
        parts.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 16}" text-anchor="end" '
            f'font-size="13">{escape(short)}</text>'
        )
        if v is None:
            parts.append(
                f'<text x="{label_w + 4:.0f}" y="{y + 16}" font-size="12" fill="#888">—</text>'
            )
            continue
        w = max(0.0, bar_w * v / scale)
        parts.append(
            f'<rect x="{label_w:.0f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{PALETTE[4]}" rx="2"><title>{escape(lb)}: {v:g}{unit}</title></rect>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="12">'
            f"{v:g}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(
    rows: list[str], options: list[str], pct: dict[str, dict[str, float | None]]
) -> str:
    """100 % stacked bars, one per matrix row, options coloured from bad to good."""
    if not rows or not options:
        return ""
    colours = LIKERT if len(options) == 5 else PALETTE
    label_w = min(260.0, max(_text_width(r) for r in rows) + 12)
    bar_w, row_h = 420.0, 26
    legend_h = 24
    height = legend_h + row_h * len(rows) + 6
    width = label_w + bar_w + 20
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height}" viewBox="0 0 {width:.0f} {height}">'
    ]
    x = label_w
    for k, opt in enumerate(options):
        c = colours[k % len(colours)]
        parts.append(
            f'<rect x="{x:.0f}" y="6" width="10" height="10" fill="{c}"/>'
            f'<text x="{x + 13:.0f}" y="15" font-size="11">{escape(opt)}</text>'
        )
        x += _text_width(opt) * 0.85 + 26
    for i, row in enumerate(rows):
        y = legend_h + i * row_h
        parts.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 17}" text-anchor="end" '
            f'font-size="13">{escape(row if len(row) <= 20 else row[:19] + "…")}</text>'
        )
        x = label_w
        for k, opt in enumerate(options):
            v = pct.get(row, {}).get(opt) or 0.0
            w = bar_w * v / 100
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{colours[k % len(colours)]}"><title>{escape(row)} · '
                f"{escape(opt)}: {v:g}%</title></rect>"
            )
            if w > 28:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 17}" font-size="11" '
                    f'text-anchor="middle" fill="#fff">{v:.0f}%</text>'
                )
            x += w
    parts.append("</svg>")
    return "".join(parts)
