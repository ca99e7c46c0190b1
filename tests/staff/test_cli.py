"""course-app staff add | list | disable | reset-2fa, and stats generate refusing real data."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.disclosure import DisclosureRule
from course_app.domain.periods import fixed_periods
from course_app.domain.reports import question_insights
from course_app.models import AnswerTally, StaffMember
from tests.helpers import submit_quiz
from tests.staff.conftest import PASSWORD, StaffUser, enrol, sign_in


def member(app: Flask, name: str) -> StaffMember | None:
    with app.app_context():
        return get_session().scalar(select(StaffMember).where(StaffMember.name == name))


def test_add_with_password_on_stdin_then_first_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["staff", "add", "nina", "--role", "coordinator", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    created = member(app, "nina")
    assert created is not None and created.role == "coordinator" and not created.totp_enrolled
    assert created.password_hash.startswith("$argon2id$")
    assert PASSWORD not in result.output
    user = enrol(app, "nina")
    assert user.client.get("/staff/").status_code == 200


def test_add_asks_twice_and_refuses_mismatch_and_short_passwords(app: Flask, runner: FlaskCliRunner) -> None:
    mismatch = runner.invoke(args=["staff", "add", "tom", "--role", "educator"],
                             input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    short = runner.invoke(args=["staff", "add", "sam", "--role", "educator", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert member(app, "sam") is None
    duplicate = runner.invoke(args=["staff", "add", "tom", "--role", "admin", "--password-stdin"], input=PASSWORD)
    assert duplicate.exit_code == 1 and "already an account" in duplicate.output
    unknown_course = runner.invoke(args=["staff", "add", "una", "--role", "educator", "--course", "nope",
                                         "--password-stdin"], input=PASSWORD)
    assert unknown_course.exit_code == 1 and "no such course: nope" in unknown_course.output


def test_list_disable_and_reset(app: Flask, runner: FlaskCliRunner, coordinator: StaffUser) -> None:
    runner.invoke(args=["staff", "add", "eve", "--role", "educator", "--course", "trade-unions", "--password-stdin"],
                  input=PASSWORD)
    listing = runner.invoke(args=["staff", "list"]).output
    assert "cora" in listing and "active" in listing
    assert "eve" in listing and "not yet signed in" in listing and "trade-unions" in listing

    assert runner.invoke(args=["staff", "reset-2fa", "cora"]).exit_code == 0
    assert coordinator.client.get("/staff/").status_code == 302        # sessions ended
    again = enrol(app, "cora")                                           # enrols a new authenticator
    assert again.secret != coordinator.secret

    assert runner.invoke(args=["staff", "disable", "cora"]).exit_code == 0
    assert again.client.get("/staff/").status_code == 302
    assert sign_in(app.test_client(), "cora", again.code()).status_code == 422
    assert "disabled" in runner.invoke(args=["staff", "list"]).output
    assert runner.invoke(args=["staff", "disable", "nobody"]).exit_code == 1


def test_generate_refuses_a_database_with_learners(app: Flask, runner: FlaskCliRunner) -> None:
    submit_quiz(app.test_client(), app, "wages")
    result = runner.invoke(args=["stats", "generate", "--learners", "10", "--rows", "50"])
    assert result.exit_code == 1 and "already has learners" in result.output


def test_generate_and_rebuild_on_an_empty_database(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["stats", "generate", "--learners", "50", "--rows", "200"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("50 learners")
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0


def test_generated_answers_make_insights_worth_judging(app: Flask, runner: FlaskCliRunner) -> None:
    """``stats generate`` fills the answer counters from judged made-up answers: with enough learners,
    insights show shares right and wrong answers, and some questions stand out as too hard or too easy."""
    result = runner.invoke(args=["stats", "generate", "--learners", "2000", "--rows", "12000"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["stats", "fix"]).exit_code == 0
    with app.app_context():
        course = current_catalogue().course("trade-unions")
        (life,) = [period for period in fixed_periods(get_session()) if period.kind == "life"][:1]
        insights = question_insights(get_session(), course, "en", DisclosureRule(5), life, None,
                                     {"true": "True", "false": "False"})
        tallies = get_session().scalars(select(AnswerTally)).all()
    questions = [item for quiz in insights for item in quiz.questions]
    shown = [item for item in questions if item.right.value is not None]
    assert len(shown) >= len(questions) // 2, "most questions should have a share right"
    assert any(item.most_chosen for item in shown)
    assert {item.flag for item in shown} >= {"hard", None}
    # Counters are consistent: nobody is right more often than they answered.
    counts: dict[tuple[str, str, str, str, object], dict[str, int]] = {}
    for tally in tallies:
        counts.setdefault((tally.course_slug, tally.lesson_slug, tally.question_id, tally.lang, tally.day), {})[
            tally.answer_key] = tally.count
    assert counts and all(0 < bucket["answered"] and bucket.get("correct", 0) <= bucket["answered"]
                          for bucket in counts.values())
    assert f"{sum(bucket['answered'] for bucket in counts.values())} answers to quiz questions" in result.output
