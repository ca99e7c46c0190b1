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
    CODE_DIGITS,
    CodeFormatError,
    code_hash,
    create_learner,
    delete_learner,
    find_learner_by_code,
    generate_code,
    issue_code,
    merge_into,
    normalise_code,
)
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached
from course_app.models import Learner, LessonProgress, QuizProgress
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
        record_lesson_completed(session, source, LessonPlace("c", "b", 2), "ru", DAY)
        record_lesson_reached(session, source, LessonPlace("d", "z", 1), "en", DAY)
        merge_into(session, source, target, {"c": 2, "d": 1})
        session.commit()
        rows = {r.lesson_slug: r for r in session.scalars(select(LessonProgress))}
        assert set(rows) == {"a", "b", "z"} and {r.learner_id for r in rows.values()} == {target.id}
        assert rows["a"].reached_on == date(2026, 10, 5) and rows["a"].completed_on == DAY
        assert rows["b"].reached_on == DAY and rows["b"].completed_on == DAY  # only the source had it
        assert session.get(Learner, source.id) is None


def test_merge_adds_up_quiz_attempts_keeps_the_first_pass_and_every_question_met(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        source, target = create_learner(session, DAY), create_learner(session, DAY)

        def quiz(learner: Learner, lesson: str, attempts: int, best: int, first: date, last: date,
                 passed: date | None, met: str) -> None:
            session.add(QuizProgress(learner_id=learner.id, course_slug="c", lesson_slug=lesson, lang="en",
                                     attempts=attempts, best_score=best, first_attempt_on=first,
                                     last_attempt_on=last, passed_on=passed, met_questions=met))

        quiz(source, "a", 2, 90, date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 4), "q1 q2")
        quiz(target, "a", 3, 50, date(2026, 11, 1), date(2026, 11, 2), None, "q2 q3")
        quiz(source, "b", 1, 80, date(2026, 11, 5), date(2026, 11, 5), date(2026, 11, 5), "q7")
        quiz(source, "c", 4, 100, date(2026, 11, 6), date(2026, 11, 9), date(2026, 11, 9), "q1")
        quiz(target, "c", 1, 100, date(2026, 11, 7), date(2026, 11, 7), date(2026, 11, 7), "q1")
        bystander = create_learner(session, DAY)
        quiz(bystander, "a", 1, 40, DAY, DAY, None, "q9")
        session.flush()
        merge_into(session, source, target, {"c": 3})
        session.commit()
        rows = {(row.learner_id, row.lesson_slug): (row.attempts, row.best_score, row.first_attempt_on,
                                                    row.last_attempt_on, row.passed_on, row.met_questions)
                for row in session.scalars(select(QuizProgress))}
    assert rows == {
        (target.id, "a"): (5, 90, date(2026, 11, 1), date(2026, 11, 4), date(2026, 11, 4), "q1 q2 q3"),
        (target.id, "b"): (1, 80, date(2026, 11, 5), date(2026, 11, 5), date(2026, 11, 5), "q7"),
        (target.id, "c"): (5, 100, date(2026, 11, 6), date(2026, 11, 9), date(2026, 11, 7), "q1"),
        (bystander.id, "a"): (1, 40, DAY, DAY, None, "q9"),  # someone else's progress is left alone
    }



def test_delete_removes_every_row_of_that_learner_and_nobody_else_s(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        learner, bystander = create_learner(session, DAY), create_learner(session, DAY)
        for someone in (learner, bystander):
            record_lesson_completed(session, someone, LessonPlace("c", "a", 1), "en", DAY)
        delete_learner(session, learner)
        session.commit()
        assert [row.learner_id for row in session.scalars(select(LessonProgress))] == [bystander.id]
        assert [row.id for row in session.scalars(select(Learner))] == [bystander.id]
