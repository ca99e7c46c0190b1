"""The starter course's quizzes, third edition (issue 27): replaced questions under new ids, revisions raised,
no pattern across the course, and learners who passed before the change keep their pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from course_app.content import catalogue_store
from course_app.content.loader import load_catalogue
from course_app.content.model import Course
from course_app.content.quiz import LONGEST_RIGHT_PERCENT
from course_app.db import get_session
from course_app.models import QuizProgress
from tests.conftest import LANGUAGES, STARTER_LESSON_COUNT, STARTER_LESSONS, make_app
from tests.content.test_loader import OPTIONS
from tests.helpers import submit_quiz

# Questions whose meaning changed were replaced under new ids: answer tallies are kept by question id.
REPLACED = {
    "study-safely": {"contact-channel": "hide-number", "like-repost": "old-like"},
    "what-you-can-do": {"decree-29": "contract-copy", "contact-bkdp": "donation-trace"},
    "what-is-a-union": {"belarus-2022": "join-bnp", "prisoners-figures": "hrodna-azot-support"},
    "freedom-of-association": {"permission": "registration-stalled", "belarus-ratified": "official-not-ratified"},
    "wages": {"how-paid": "paid-through-foreman", "not-ratified": "c131-claim", "floor": "minimum-worth",
              "consultation-c26": "c26-equal-terms", "conventions": "situations-conventions"},
    "ilo-supervision": {"article-33-history": "article-33-precedent"},
    "strikes": {"icj-opinion": "icj-scope"},
}
# Each quiz's revision in the second edition; every one changed, so every one is higher now.
SECOND_EDITION_REVISION = {"study-safely": 2, "what-is-a-union": 2, "freedom-of-association": 2, "forced-labour": 2,
                           "wages": 2, "ilo-supervision": 2, "strikes": 1, "what-you-can-do": 1}


@pytest.fixture(scope="module")
def course() -> Course:
    found = load_catalogue(STARTER_LESSONS, OPTIONS).course("trade-unions")
    assert found is not None
    return found


@pytest.mark.parametrize("lesson_slug", sorted(REPLACED))
def test_replaced_questions_have_new_ids_in_every_language(course: Course, lesson_slug: str) -> None:
    for lang in LANGUAGES:
        quiz = course.lessons_by_slug[lesson_slug].texts[lang].quiz
        assert quiz is not None, lang
        ids = {question.id for question in quiz.questions}
        for old, new in REPLACED[lesson_slug].items():
            assert old not in ids and new in ids, (lang, old, new)


@pytest.mark.parametrize("lesson_slug", sorted(SECOND_EDITION_REVISION))
def test_each_changed_quiz_has_a_higher_revision_that_its_translations_follow(course: Course,
                                                                              lesson_slug: str) -> None:
    texts = course.lessons_by_slug[lesson_slug].texts
    original = texts["en"].quiz
    assert original is not None and original.revision == SECOND_EDITION_REVISION[lesson_slug] + 1
    for lang in ("ru", "be"):
        translation = texts[lang].quiz
        assert translation is not None and translation.translation_of == original.revision, lang


def test_multiple_answer_questions_have_from_one_to_all_right_answers(course: Course) -> None:
    counts: dict[int, int] = {}
    for lesson in course.lessons:
        quiz = lesson.texts["en"].quiz
        assert quiz is not None
        for question in quiz.questions:
            if question.type == "multiple":
                right = sum(choice.correct for choice in question.spec.choices)
                if right == len(question.spec.choices):
                    right = -1  # "all of them", whatever their number
                counts[right] = counts.get(right, 0) + 1
    assert len(counts) >= 3, counts
    assert 1 in counts and -1 in counts, counts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_longest_choice_is_right_in_20_to_45_per_cent_of_single_choice_questions(course: Course,
                                                                                    lang: str) -> None:
    longest = []
    for lesson in course.lessons:
        quiz = lesson.texts[lang].quiz
        assert quiz is not None
        for question in quiz.questions:
            if question.type == "single":
                right = next(choice for choice in question.spec.choices if choice.correct)
                longest.append(all(len(right.text) > len(choice.text)
                                   for choice in question.spec.choices if choice is not right))
    low, high = LONGEST_RIGHT_PERCENT
    assert (low, high) == (20, 45)
    assert low <= 100 * sum(longest) / len(longest) <= high, (sum(longest), len(longest))


def raise_revision_and_replace(folder: Path, old_id: str, new_id: str) -> None:
    """Publish a new revision of a lesson's quiz in which one question was replaced (a new id)."""
    for lang in LANGUAGES:
        path = folder / f"quiz.{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^(revision|translation_of): (\d+)$", lambda m: f"{m[1]}: {int(m[2]) + 1}", text, count=1,
                      flags=re.M)
        assert f"  - id: {old_id}\n" in text
        path.write_text(text.replace(f"  - id: {old_id}\n", f"  - id: {new_id}\n"), encoding="utf-8")


def test_a_learner_who_passed_keeps_the_pass_when_the_quiz_gets_a_new_revision(lessons_copy: Path,
                                                                             tmp_path: Path) -> None:
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))  # no watcher: the test reloads by itself
    client = app.test_client()
    assert submit_quiz(client, app, "what-you-can-do").status_code == 303
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in client.get("/en/progress").get_data(as_text=True)

    raise_revision_and_replace(lessons_copy / "trade-unions" / "what-you-can-do", "gas-leak", "gas-leak-revised")
    result = catalogue_store(app).reload_if_changed()
    assert result is not None and result.held_back == (), result  # published: nothing held back
    quiz = app.extensions["course_app.catalogue"].catalogue.course("trade-unions") \
        .lessons_by_slug["what-you-can-do"].texts["en"].quiz
    assert quiz.revision == 3 and quiz.question("gas-leak-revised") is not None

    # The pass stands: the lesson is still completed, even after a failed attempt at the new revision.
    assert submit_quiz(client, app, "what-you-can-do", right=False).status_code == 303
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in client.get("/en/progress").get_data(as_text=True)
    with app.app_context():
        (row,) = get_session().scalars(select(QuizProgress)).all()
    assert row.passed_on is not None and row.attempts == 2
