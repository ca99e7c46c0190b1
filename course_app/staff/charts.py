"""Bar charts drawn on the server as SVG: readable without JavaScript, described for screen
readers, and always shown beside a table with the same (protected) numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..domain.suppression import Cell, Hidden

LABEL_WIDTH = 230
BAR_AREA = 330
ROW_HEIGHT = 34
BAR_HEIGHT = 12


@dataclass(frozen=True)
class Series:
    name: str
    cells: Sequence[Cell]
    css_class: str


def horizontal_bars(chart_id: str, title: str, description: str, labels: Sequence[str],
                    series: Sequence[Series], hidden_text: Callable[[Hidden], str]) -> Markup:
    """Grouped horizontal bars, one group per label; a hidden cell is written (with why), never drawn."""
    peak = max([cell.value for s in series for cell in s.cells if cell.value is not None] + [1])
    height = ROW_HEIGHT * len(labels) + 30
    width = LABEL_WIDTH + BAR_AREA + 90
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>']
    for index, label in enumerate(labels):
        top = index * ROW_HEIGHT
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="0" y="{top + 18}">{escape(short)}</text>')
        for offset, one in enumerate(series):
            cell = one.cells[index]
            y = top + 4 + offset * (BAR_HEIGHT + 2)
            if cell.hidden is not None:
                parts.append(f'<text class="chart__note" x="{LABEL_WIDTH}" y="{y + BAR_HEIGHT - 2}">'
                             f'{escape(one.name)}: {escape(hidden_text(cell.hidden))}</text>')
                continue
            assert cell.value is not None
            length = round(BAR_AREA * cell.value / peak)
            parts.append(f'<rect class="{one.css_class}" x="{LABEL_WIDTH}" y="{y}" width="{max(length, 1)}" '
                         f'height="{BAR_HEIGHT}"/>')
            parts.append(f'<text x="{LABEL_WIDTH + length + 4}" y="{y + BAR_HEIGHT - 2}">{cell.value}</text>')
    legend_y = height - 8
    x = LABEL_WIDTH
    for one in series:
        parts.append(f'<rect class="{one.css_class}" x="{x}" y="{legend_y - 10}" width="12" height="12"/>')
        parts.append(f'<text x="{x + 16}" y="{legend_y}">{escape(one.name)}</text>')
        x += 20 + 8 * len(one.name) + 20
    parts.append("</svg>")
    # Safe: every text in the chart went through escape() above; the rest are numbers.
    return Markup("".join(parts))  # nosec B704
