"""The learner's own page: what they have done, and save / continue / delete, without JavaScript.

The learner code appears on exactly one page, the answer to "Save my progress", which is
never cached and never redirected to (a redirect would need the code in an address or a
cookie). Typing a code costs the same time whether it is right or wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from ..content import current_catalogue
from ..content.model import Course
from ..db import get_session
from ..domain.learners import CODE_DIGITS, CodeFormatError, delete_learner, find_learner_by_code, issue_code, merge_into
from ..domain.progress import LearnerProgress
from . import bp
from .forms import ActionForm, ContinueWithCodeForm, RememberForm
from .lookup import lesson_counts
from .identity import current_learner, ensure_learner, forget_learner, today
from .standing import forget_cached_progress, learner_progress

CODE_TRIES_KEY = "code_tries"
CODE_TRIES_LIMIT = 5
CODE_TRIES_WINDOW = 15 * 60


@dataclass(frozen=True)
class CourseStanding:
    """One course on the learner's page: how far they are."""

    course: Course
    completed: int
    total: int

    @property
    def percent(self) -> int:
        return (100 * self.completed) // self.total if self.total else 0


def course_standings(progress: LearnerProgress) -> list[CourseStanding]:
    """Courses the learner has started, in catalogue order."""
    started = progress.courses()
    standings = []
    for course in current_catalogue().courses:
        if course.slug in started:
            slugs = [lesson.slug for lesson in course.lessons]
            standings.append(CourseStanding(course, progress.completed_in(course.slug, slugs), len(slugs)))
    return standings


def _render_progress(lang: str, continue_form: ContinueWithCodeForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    learner = current_learner()
    remember_form = RememberForm(remember=bool(session.permanent))
    html = render_template(
        "learner/progress.html", learner=learner, standings=course_standings(learner_progress()),
        progress=learner_progress(), save_form=ActionForm(), continue_form=continue_form or ContinueWithCodeForm(),
        remember_form=remember_form, remember_days=current_app.config["REMEMBER_DEVICE_DAYS"],
        code_digits=CODE_DIGITS,
    )
    return html if status == 200 else (html, status)


@bp.get("/<lang:lang>/progress")
def progress(lang: str) -> str:
    """What this learner has done, course by course, and the three actions."""
    return _render_progress(lang)


@bp.post("/<lang:lang>/progress/code")
def save_progress(lang: str) -> tuple[str, int] | str:
    """Make a learner code and show it, once."""
    if not ActionForm().validate():
        abort(400)
    learner = ensure_learner()
    replaced = learner.has_code
    code = issue_code(get_session(), learner, current_app.config["LEARNER_CODE_PEPPER"])
    get_session().commit()
    return render_template("learner/code.html", code=code, replaced=replaced)


@bp.post("/<lang:lang>/progress/continue")
def continue_with_code(lang: str) -> Response | tuple[str, int] | str:
    """Bring back the progress saved under a code, merged with what this browser did before."""
    form = ContinueWithCodeForm()
    if not form.validate():
        return _render_progress(lang, form, 422)
    if _too_many_tries():
        form.code.errors.append(_("Too many wrong codes from this browser. Wait 15 minutes, then try again."))
        return _render_progress(lang, form, 429)
    started = time.monotonic()
    try:
        target = find_learner_by_code(get_session(), form.code.data or "", current_app.config["LEARNER_CODE_PEPPER"])
    except CodeFormatError as error:
        target = None
        message = _("A learner code has %(expected)d digits; you typed %(found)d. Check it and try again.",
                    expected=CODE_DIGITS, found=error.digits_found)
    else:
        message = _("No progress is saved under this code. Check each group of digits and try again.")
    if target is not None:
        here = current_learner()
        if here is not None and not here.has_code:
            merge_into(get_session(), here, target, lesson_counts())
        target.touch(today())
        target.remembered = bool(form.remember.data)
        get_session().commit()
        session.pop(CODE_TRIES_KEY, None)
        login_user(target)
        session.permanent = bool(form.remember.data)
        forget_cached_progress()
    else:
        _count_wrong_try()
        get_session().rollback()
    _wait_out(started)
    if target is None:
        form.code.errors.append(message)
        return _render_progress(lang, form, 422)
    flash(_("Welcome back: your progress is here."), "success")
    return redirect(url_for("learner.progress", lang=lang), code=303)


def _too_many_tries() -> bool:
    tries = session.get(CODE_TRIES_KEY)
    if not (isinstance(tries, list) and len(tries) == 2):
        return False
    window_start, count = tries
    if time.time() - window_start > CODE_TRIES_WINDOW:
        session.pop(CODE_TRIES_KEY, None)
        return False
    return int(count) >= CODE_TRIES_LIMIT


def _count_wrong_try() -> None:
    tries = session.get(CODE_TRIES_KEY)
    if isinstance(tries, list) and len(tries) == 2 and time.time() - tries[0] <= CODE_TRIES_WINDOW:
        session[CODE_TRIES_KEY] = [tries[0], int(tries[1]) + 1]
    else:
        session[CODE_TRIES_KEY] = [int(time.time()), 1]


def _wait_out(started: float) -> None:
    """Make every code check take the same time, so timing tells nothing about the answer."""
    remaining = current_app.config["CODE_CHECK_SECONDS"] - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


@bp.post("/<lang:lang>/progress/remember")
def remember_device(lang: str) -> Response:
    """Keep the session cookie across browser restarts (or stop keeping it)."""
    form = RememberForm()
    if not form.validate():
        abort(400)
    session.permanent = bool(form.remember.data)
    learner = current_learner()
    if learner is not None:
        learner.remembered = session.permanent
        get_session().commit()
    flash(_("This device will remember you for %(days)d days.", days=current_app.config["REMEMBER_DEVICE_DAYS"])
          if session.permanent else _("This device will forget you when the browser closes."), "success")
    return redirect(url_for("learner.progress", lang=lang), code=303)


@bp.get("/<lang:lang>/progress/delete")
def confirm_delete(lang: str) -> str:
    """Ask once before deleting everything."""
    return render_template("learner/delete.html", form=ActionForm(), learner=current_learner())


@bp.post("/<lang:lang>/progress/delete")
def delete_everything(lang: str) -> Response:
    """Remove the learner and all their rows, end the session, and say so."""
    if not ActionForm().validate():
        abort(400)
    learner = current_learner()
    if learner is not None:
        delete_learner(get_session(), learner)
        get_session().commit()
    forget_learner()
    return redirect(url_for("learner.deleted", lang=lang), code=303)


@bp.get("/<lang:lang>/progress/deleted")
def deleted(lang: str) -> str:
    """Confirmation that nothing is kept any more."""
    return render_template("learner/deleted.html")
