"""The registry of figures: each declared once, complete, and described in docs/statistics.md as the page
describes it."""

from __future__ import annotations

from flask import Flask

from course_app.domain.disclosure import Kind
from course_app.domain.figures import BY_NAME, FIGURES, MOST, SOURCES, STORED, Level
from tests.conftest import PROJECT_DIR


def test_every_figure_is_declared_once_with_what_it_counts(app: Flask) -> None:
    assert len(BY_NAME) == len(FIGURES)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for figure in FIGURES:
            assert str(figure.label) and str(figure.counts).endswith("."), figure.name
            assert (figure.source != "") == (figure.kind is not Kind.RATE), figure.name
            if figure.source:
                assert figure.source in SOURCES, figure.name


def test_rates_means_and_medians_are_made_of_stored_figures_of_people() -> None:
    stored = {figure.name for figure in STORED}
    for figure in FIGURES:
        if figure.kind is Kind.RATE:
            assert {figure.numerator, figure.denominator} <= stored, figure.name
            # A part of its whole: the numerator counts some of the denominator's people.
            assert BY_NAME[figure.numerator].of_people and BY_NAME[figure.denominator].of_people, figure.name
        if figure.kind in (Kind.RATE, Kind.MEAN, Kind.MEDIAN) and figure.people:
            people = BY_NAME[figure.people.removesuffix(MOST)]
            assert people.of_people and people.name in stored, figure.name
            # ".most" only where the figure has totals to read it from.
            assert not figure.people.endswith(MOST) or people.totals or people.site_total, figure.name
        if figure.kind in (Kind.MEAN, Kind.MEDIAN):
            assert figure.people, figure.name
    assert all(figure.level in Level for figure in FIGURES)


def test_the_staff_guide_describes_every_figure_the_pages_show(app: Flask) -> None:
    """docs/statistics.md has a row for each figure, under the name the page gives it."""
    guide = (PROJECT_DIR / "docs" / "statistics.md").read_text(encoding="utf-8")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        missing = [str(figure.label) for figure in FIGURES
                   if not figure.name.startswith("band") and f"| {figure.label} |" not in guide]
    assert missing == []
    assert "| 0–49 %, 50–79 %, 80–100 % |" in guide
