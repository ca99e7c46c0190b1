"""Bar charts drawn on the server: readable without JavaScript, in the page's own text, beside a table.

A chart is HTML (a figure with a list of groups): every label and number is text of the page, the
size of body text at every width, wrapping instead of being cut. Only the bars are drawn, each an
SVG rectangle whose length is the **published** value (a rounded count) over the largest one: a
bar never shows more than the number beside it. A figure without a number ("fewer than 5") has no
bar, only its words. The table with every figure follows the chart, folded in a ``<details>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..domain.disclosure import Published


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Published]
    css_class: str


def horizontal_bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
                    text: Callable[[Published], str]) -> Markup:
    """Grouped horizontal bars, one group per label, each bar with its published value written beside it."""
    peak = max([value.value for one in series for value in one.values if value.value is not None] + [1])
    parts = [f'<figure class="chart" id="{chart_id}" aria-labelledby="{chart_id}-title">',
             f'<figcaption class="chart__title" id="{chart_id}-title">{escape(title)}</figcaption>',
             '<ol class="chart__groups">']
    for index, label in enumerate(labels):
        parts.append(f'<li class="chart__group"><span class="chart__label">{escape(label)}</span>')
        for one in series:
            value = one.values[index]
            length = 0.0 if value.value is None else round(100 * value.value / peak, 1)
            bar = f'<rect class="{one.css_class}" width="{length}" height="10"/>' if length else ""
            parts.append(f'<span class="chart__row"><span class="chart__series">{escape(one.name)}</span>'
                         f'<svg class="chart__bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" '
                         f'focusable="false">{bar}</svg><span class="chart__value" data-kind="{value.kind.value}">'
                         f'{escape(text(value))}</span></span>')
        parts.append("</li>")
    parts.append("</ol></figure>")
    # Safe: every text above went through escape(); the rest are numbers and fixed markup.
    return Markup("".join(parts))  # nosec B704
