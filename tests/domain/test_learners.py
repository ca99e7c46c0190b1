"""Learner codes: entropy, format, storage (only a peppered hash), merging and deletion."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from course_app.db import get_session
from course_app.domain.learners import (
    CODE_DIGITS, CodeFormatError, code_hash, create_learner, delete_learner, find_learner_by_code, generate_code,
    issue_code, merge_into, normalise_code)
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached
from course_app.models import Learner, LessonProgress
from tests.conftest import database_contents, make_app

DAY = date(2026, 11, 2)


def test_code_has_at_least_77_bits_and_uses_every_digit_evenly() -> None:
    assert CODE_DIGITS * math.log2(10) >= 77
    codes = [generate_code().digits for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"\d{24}", code) for code in codes)
    counts = Counter("".join(codes))
    expected = len(codes) * CODE_DIGITS / 10
    assert all(abs(counts[d] - expected) < expected * 0.08 for d in "0123456789"), counts


@pytest.mark.parametrize(("typed", "digits"), [
    ("1234 5678 9012 3456 7890 1234", "123456789012345678901234"),
    (" 1234-5678-9012-3456-7890-1234 ", "123456789012345678901234"),
    ("123456789012345678901234", "123456789012345678901234"),
])
def test_typed_codes_are_normalised(typed: str, digits: str) -> None:
    assert normalise_code(typed) == digits


@pytest.mark.parametrize(("typed", "digits_found"), [
    ("", 0), ("1234", 4), ("1" * 25, 25), ("x" * 24, 0), ("١٢٣٤" * 6, 0), ("1234 5678 9012 3456 7890 123a", 23)])
def test_malformed_codes_are_refused_saying_how_many_digits_were_typed(typed: str, digits_found: int) -> None:
    with pytest.raises(CodeFormatError) as refused:
        normalise_code(typed)
    assert refused.value.digits_found == digits_found
    assert str(refused.value) == f"a learner code has {CODE_DIGITS} digits; {digits_found} were typed"


def test_database_holds_only_a_peppered_hash(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    pepper = app.config["LEARNER_CODE_PEPPER"]
    with app.app_context():
        session = get_session()
        learner = create_learner(session, DAY)
        code = issue_code(session, learner, pepper)
        session.commit()
        stored = session.scalar(select(Learner.code_hash))
        assert stored == code_hash(code.digits, pepper)
        # Nothing derived from the code without the pepper can be found in the row.
        unpeppered = {hashlib.sha256(code.digits.encode()).hexdigest(), hashlib.sha1(code.digits.encode()).hexdigest(),
                      hashlib.md5(code.digits.encode()).hexdigest(), code.digits, code.grouped()}  # noqa: S324
        row = session.execute(text("SELECT * FROM learner")).one()
        assert not set(map(str, row)) & unpeppered
        assert find_learner_by_code(session, code.grouped(), pepper).id == learner.id
        assert find_learner_by_code(session, code.digits, "another pepper") is None


def test_database_never_contains_the_code(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        learner = create_learner(session, DAY)
        code = issue_code(session, learner, app.config["LEARNER_CODE_PEPPER"])
        session.commit()
    raw = database_contents(app)
    assert code.digits.encode() not in raw
    assert code.digits.encode("utf-16-le") not in raw


def test_merge_keeps_the_best_of_both_and_removes_the_source(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        source, target = create_learner(session, DAY), create_learner(session, date(2026, 10, 1))
        record_lesson_completed(session, source, LessonPlace("c", "a", 2), "en", DAY)
        record_lesson_reached(session, target, LessonPlace("c", "a", 2), "en", date(2026, 10, 5))
        record_lesson_reached(session, source, LessonPlace("c", "b", 2), "ru", DAY)
        merge_into(session, source, target, {"c": 2})
        session.commit()
        rows = {r.lesson_slug: r for r in session.scalars(select(LessonProgress))}
        assert set(rows) == {"a", "b"} and {r.learner_id for r in rows.values()} == {target.id}
        assert rows["a"].reached_on == date(2026, 10, 5) and rows["a"].completed_on == DAY
        assert session.get(Learner, source.id) is None


def test_delete_removes_every_row(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        learner = create_learner(session, DAY)
        record_lesson_completed(session, learner, LessonPlace("c", "a", 1), "en", DAY)
        delete_learner(session, learner)
        session.commit()
        assert session.scalars(select(LessonProgress)).all() == []
        assert session.scalars(select(Learner)).all() == []
