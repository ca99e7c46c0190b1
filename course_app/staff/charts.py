"""Bar charts drawn on the server as SVG: readable without JavaScript, described for screen
readers, and always shown beside a table with the same (protected) numbers.

A chart is 320 units wide with 12-unit text, and the page stretches it to the width of its
column (at most about 36 em), never narrower than 320 px on a phone of 360 px: its text is
never smaller than 12 px. Each label stands on its own line above its bars, so long lesson
titles need no narrow column. A hidden value has no bar: the chart writes why it is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..domain.suppression import Cell, Hidden

WIDTH = 320
LABEL_HEIGHT = 16
BAR_HEIGHT = 12
BAR_GAP = 4
GROUP_GAP = 10
VALUE_ROOM = 44
MAX_LABEL = 40


@dataclass(frozen=True)
class Series:
    name: str
    cells: Sequence[Cell]
    css_class: str


def horizontal_bars(chart_id: str, title: str, description: str, labels: Sequence[str],
                    series: Sequence[Series], hidden_text: Callable[[Hidden], str]) -> Markup:
    """Grouped horizontal bars, one group per label; a hidden cell is written (with why), never drawn."""
    peak = max([cell.value for s in series for cell in s.cells if cell.value is not None] + [1])
    bar_area = WIDTH - VALUE_ROOM
    group_height = LABEL_HEIGHT + len(series) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    legend_height = 18 * len(series)
    height = group_height * len(labels) + legend_height + 4
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title>'
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    for index, label in enumerate(labels):
        top = index * group_height
        short = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
        parts.append(f'<text class="chart__label" x="0" y="{top + 12}">{escape(short)}</text>')
        for offset, one in enumerate(series):
            cell = one.cells[index]
            y = top + LABEL_HEIGHT + offset * (BAR_HEIGHT + BAR_GAP)
            if cell.hidden is not None or cell.value is None:
                reason = hidden_text(cell.hidden) if cell.hidden is not None else ""
                parts.append(f'<text class="chart__note" x="0" y="{y + BAR_HEIGHT - 2}">'
                             f'{escape(one.name)}: {escape(reason)}</text>')
                continue
            length = round(bar_area * cell.value / peak)
            if length:
                parts.append(f'<rect class="{one.css_class}" x="0" y="{y}" width="{length}" height="{BAR_HEIGHT}"/>')
            parts.append(f'<text x="{length + 4}" y="{y + BAR_HEIGHT - 2}">{cell.value}</text>')
    legend_y = group_height * len(labels)
    for offset, one in enumerate(series):
        y = legend_y + offset * 18
        parts.append(f'<rect class="{one.css_class}" x="0" y="{y + 2}" width="12" height="12"/>')
        parts.append(f'<text x="18" y="{y + 12}">{escape(one.name)}</text>')
    parts.append("</svg>")
    # Safe: every text in the chart went through escape() above; the rest are numbers.
    return Markup("".join(parts))  # nosec B704
