"""Static SVG bar charts, made at build time: no script, deterministic bytes (fixed geometry,
integer arithmetic only), ``<title>``/``<desc>`` for assistive technology. The numbers are also
given in a table beside each chart (see the page templates)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import escape

# Colour-blind-safe palette (Okabe–Ito), each readable on white.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 40, 40, 16


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[int]]]) -> str:
    """Stacked bars, one per label; ``series`` are (name, values), one value per label."""
    n = max(len(labels), 1)
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = max([*totals, 1])
    step, k = 1, 0
    while top > 5 * step:                       # 1, 2, 5, 10, 20, 50 … : at most 5 grid lines
        k += 1
        step = (1, 2, 5)[k % 3] * 10 ** (k // 3)
    top = -(-top // step) * step
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - 10) // n
    bar = max(slot * 2 // 3, 2)
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    full = HEIGHT + (20 * len(series) if len(series) > 1 else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {full}" width="{WIDTH}" '
           f'height="{full}" role="img" aria-labelledby="{tid} {did}" class="cds-chart">',
           f'<title id="{tid}">{escape(title)}</title>',
           f'<desc id="{did}">{escape(desc)}</desc>']
    for k in range(0, top + 1, step):
        y = TOP + plot_h - k * plot_h // top
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - 5}" y2="{y}" stroke="#ccc"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end" font-size="11">{k}</text>')
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar) // 2
        base = TOP + plot_h
        for j, (_name, values) in enumerate(series):
            v = values[i]
            if not v:
                continue
            h = v * plot_h // top
            out.append(f'<rect x="{x}" y="{base - h}" width="{bar}" height="{h}" '
                       f'fill="{COLOURS[j % len(COLOURS)]}"/>')
            base -= h
        out.append(f'<text x="{x + bar // 2}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                   f'font-size="11">{escape(label)}</text>')
        if totals[i]:
            out.append(f'<text x="{x + bar // 2}" y="{base - 3}" text-anchor="middle" '
                       f'font-size="10">{totals[i]}</text>')
    if len(series) > 1:
        for j, (name, _values) in enumerate(series):
            y = HEIGHT + 20 * j
            out.append(f'<rect x="{LEFT}" y="{y - 10}" width="12" height="12" '
                       f'fill="{COLOURS[j % len(COLOURS)]}"/>')
            out.append(f'<text x="{LEFT + 18}" y="{y}" font-size="12">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
