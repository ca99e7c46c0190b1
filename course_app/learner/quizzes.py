"""Answering a quiz, seeing the result, and marking a lesson done (post/redirect/get).

Every attempt is a draw (questions/draw.py): which questions are asked and in what order their
options come. A reader without a session gets the day's draw, the same for every reader; a
learner's next draw is made after each attempt, so a retry asks anew. The form carries its
draw's token, so an answer is graded against exactly what was shown.

The result of the last attempt lives on the server with the browser's session, sealed under a
key only the cookie holds (web/sessions.py), never in the cookie itself: it stays for
``RESULT_MINUTES`` so a refresh, a language switch or a dropped Tor connection still finds it,
and goes at the learner's next action, at leave or delete, or at the first request of any kind
after those minutes.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..addresses import lesson_url
from ..clock import clock
from ..content.quiz import Quiz
from ..db import get_session
from ..domain.grading import grade
from ..domain.progress import record_lesson_completed, record_quiz_attempt
from ..questions import Answer
from ..questions.draw import Draw, day_seed, draw_quiz, new_seed, quiz_key, seed_from_token
from .blueprint import bp
from .forms import ActionForm, QuizForm, answers_at_once, quiz_form, quiz_form_class
from .identity import browser_session, ensure_learner
from .lookup import LessonView
from .page_parts import kept, kept_draw
from .pages import shared_page
from .routing import lesson_route
from .standing import learner_progress

LAST_RESULT_KEY = "last_quiz"
DRAWS_KEY = "quiz_draws"
RESULT_MINUTES = 60


def _quiz_of(view: LessonView) -> Quiz:
    if view.quiz is None:
        abort(404)
    return view.quiz


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def current_seed(quiz: Quiz) -> str:
    """This browser's next draw of ``quiz``: its own after an attempt, else the day's shared one."""
    draws = browser_session().get(DRAWS_KEY)
    seed = draws.get(quiz_key(quiz)) if isinstance(draws, dict) else None
    return seed if isinstance(seed, str) else day_seed(int(clock().timestamp() // 86400))


def _attempt(quiz: Quiz, seed: str) -> tuple[Draw, type[QuizForm]]:
    """The draw a seed makes of a quiz and its form class, made once per generation: every reader of a day shares
    one draw (kept with the pages), and a learner's own is made when its page is shown and used again when it is
    answered (kept with the other learners' draws)."""
    key = ("quiz draw", quiz_key(quiz), quiz.lang, seed)
    if seed == day_seed(int(clock().timestamp() // 86400)):
        return kept(key, lambda: _made_attempt(quiz, seed))
    return kept_draw(key, lambda: _made_attempt(quiz, seed))


def _made_attempt(quiz: Quiz, seed: str) -> tuple[Draw, type[QuizForm]]:
    draw = draw_quiz(quiz, seed, _secret())
    return draw, quiz_form_class(draw)


def _attempt_from_token(quiz: Quiz, token: object) -> tuple[Draw, type[QuizForm]] | None:
    """The attempt a form's token names, if the token was made here for this quiz."""
    seed = seed_from_token(quiz, token if isinstance(token, str) else None, _secret())
    return None if seed is None else _attempt(quiz, seed)


def _empty_form(quiz: Quiz) -> QuizForm:
    """This browser's next attempt at ``quiz``, not yet answered."""
    draw, form_class = _attempt(quiz, current_seed(quiz))
    return quiz_form(draw, form_class, formdata=None)


def _draw_anew(quiz: Quiz, seed: str) -> None:
    """After an attempt, the learner's next try is a new draw (``seed``, from ``new_seed()``)."""
    session = browser_session()
    draws = dict(session.get(DRAWS_KEY) or {})
    draws[quiz_key(quiz)] = seed
    session[DRAWS_KEY] = draws


def _render_quiz(view: LessonView, quiz: Quiz, form: QuizForm, status: int = 200) -> tuple[str, int]:
    progress = learner_progress()
    return render_template("learner/quiz.html", view=view, course=view.course, lesson=view.lesson, text=view.text,
                           quiz=quiz, form=form,
                           quiz_progress=progress.quiz(view.course.slug, view.lesson.slug)), status


@lesson_route("/quiz", "quiz", methods=("GET", "POST"))
def quiz_page(view: LessonView) -> Response | tuple[str, int]:
    """The lesson's quiz; answers are graded on the server, recorded, then the result page shows."""
    quiz = _quiz_of(view)
    if request.method == "GET":
        html, _status = _render_quiz(view, quiz, _empty_form(quiz))
        return shared_page(html)
    attempt = _attempt_from_token(quiz, request.form.get("token"))
    if attempt is None:
        form = _empty_form(quiz)
        form.form_errors.append(_("This quiz changed since the page was opened. Please answer it again."))
        return _render_quiz(view, quiz, form, 422)
    draw, form_class = attempt
    # A form of plain choice fields answered in full is read as WTForms would read it, without building it;
    # anything else (a missing answer, a value not offered, a post with files) is WTForms' to check and explain.
    answers = None if request.files else answers_at_once(form_class, request.form)
    if answers is None:
        form = quiz_form(draw, form_class)
        if not form.validate():
            return _render_quiz(view, quiz, form, 422)
        answers = form.answers()
    result = grade(quiz, answers, draw.questions)
    # Graded, the result sealed and the next draw made before anything is written: SQLite's writers take turns,
    # and a turn lasts from a transaction's first write to its commit. Then the attempt and the session's change
    # go in one transaction. The session's learner exists (deleting a learner deletes their sessions), so it is
    # not read again.
    session = browser_session()
    brief = session.seal_briefly(LAST_RESULT_KEY, {"lesson": f"{view.course.slug}/{view.lesson.slug}",
                                                   "lang": quiz.lang, "token": draw.token, "answers": answers},
                                 RESULT_MINUTES)
    next_seed = new_seed()
    learner_id = session.learner_id
    new_learner = learner_id is None
    if learner_id is None:
        learner_id = ensure_learner().id
    record_quiz_attempt(get_session(), learner_id, view.place, view.wanted_lang, result, clock().today(),
                        new_learner=new_learner)
    _draw_anew(quiz, next_seed)
    session.keep_sealed(brief)
    session.persist(get_session())
    get_session().commit()
    return redirect(lesson_url(view.course, view.lesson, view.wanted_lang, endpoint="quiz_result"), code=303)


@lesson_route("/result", "quiz_result")
def quiz_result(view: LessonView) -> Response | str:
    """The score, what was right and wrong with every explanation, where to read again; and a new attempt."""
    stored = browser_session().brief(LAST_RESULT_KEY)
    quiz = _quiz_of(view)
    if not isinstance(stored, dict) or stored.get("lesson") != f"{view.course.slug}/{view.lesson.slug}":
        return redirect(lesson_url(view.course, view.lesson, view.wanted_lang, endpoint="quiz"), code=303)
    shown = view.lesson.texts.get(str(stored.get("lang")))
    if shown is not None and shown.quiz is not None:
        quiz = shown.quiz
    attempt = _attempt_from_token(quiz, stored.get("token"))
    if attempt is None:  # the quiz file changed since: there is nothing right to show
        return redirect(lesson_url(view.course, view.lesson, view.wanted_lang, endpoint="quiz"), code=303)
    draw = attempt[0]
    stored_answers = stored.get("answers")
    answers: dict[str, Answer] = stored_answers if isinstance(stored_answers, dict) else {}
    result = grade(quiz, answers, draw.questions)
    _before, after = view.course.neighbours(view.lesson)
    return render_template("learner/quiz_result.html", view=view, course=view.course, lesson=view.lesson,
                           text=view.text, result=result, after=after, draw=draw)


@lesson_route("/done", "lesson_done", methods=("POST",))
def mark_done(view: LessonView) -> Response | tuple[str, int]:
    """Mark the lesson as completed, then go back to it."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    learner = ensure_learner()
    record_lesson_completed(get_session(), learner, view.place, view.wanted_lang, clock().today())
    browser_session().persist(get_session())
    get_session().commit()
    return redirect(lesson_url(view.course, view.lesson, view.wanted_lang) + "#lesson-done", code=303)


@bp.before_request
def drop_last_result_at_the_next_action() -> None:
    """A result is shown until the learner does something else; then nothing of it is kept."""
    if request.method == "POST":
        browser_session().forget_brief()
