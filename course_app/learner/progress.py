"""The learner's own page: what they have done, and save / continue / delete, without JavaScript.

The learner code appears on exactly one page, the answer to "Save my progress", which is
never cached and never redirected to (a redirect would need the code in an address or a
cookie). A code is checked by its keyed hash in one indexed look-up, so a right and a wrong
code cost the same and nothing waits on a timer; wrong codes are counted on the server, per
browser session, never per address (behind Tor every learner has the same one), and a wrong
code typed in a browser without a session writes nothing at all.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..clock import clock
from ..db import checkpoint_after_delete, get_session
from ..domain.learners import CODE_DIGITS, CodeFormatError, delete_learner, find_learner_by_code, issue_code, merge_into
from ..domain.progress import NO_PROGRESS, progress_summary
from ..i18n import get_locale
from ..web.work_limits import Busy, limit
from .blueprint import bp
from .forms import ActionForm, ContinueWithCodeForm, RememberForm
from .identity import become, browser_session, current_learner, ensure_learner, forget_learner
from .lookup import lesson_counts
from .page_parts import messages_part, slotted_page
from .pages import shared_page
from .progress_parts import PROGRESS_TEMPLATE, progress_page_key, progress_parts
from .standing import forget_cached_progress, learner_progress

CODE_TRIES_KEY = "code_tries"


def _render_progress(lang: str, continue_form: ContinueWithCodeForm | None = None, status: int = 200,
                     *, nothing_to_save: bool = False) -> tuple[str, int]:
    """The learner's page: the page every learner gets (kept once per generation) with their own parts put in;
    after a failed action, drawn whole with what went wrong."""
    session = browser_session()
    summary = progress_summary(get_session().connection(), session.learner_id) if session.learner_id is not None \
        else NO_PROGRESS
    parts = progress_parts(summary, session.permanent, get_locale())
    settings = {"remember_days": current_app.config["REMEMBER_DEVICE_DAYS"], "code_digits": CODE_DIGITS}
    if continue_form is None and not nothing_to_save:
        page = slotted_page(progress_page_key(request.path, bool(request.query_string)), PROGRESS_TEMPLATE, lambda: {
            "continue_form": ContinueWithCodeForm(formdata=None), "nothing_to_save": False, **settings})
        return page.fill({**parts, "messages": messages_part()}), status
    html = render_template(PROGRESS_TEMPLATE, parts=parts, continue_form=continue_form or ContinueWithCodeForm(),
                           nothing_to_save=nothing_to_save, **settings)
    return html, status


@bp.get("/<lang:lang>/progress")
def progress(lang: str) -> Response:
    """What this learner has done, course by course, and the three actions (a reader's page is shared)."""
    html, _status = _render_progress(lang)
    return shared_page(html)


@bp.post("/<lang:lang>/progress/code")
def save_progress(lang: str) -> str | tuple[str, int]:
    """Make a learner code and show it, once; with nothing to keep, say so and keep nothing.

    A browser with no progress gets no learner, no code and no session: a code for nothing
    would be a record kept for a year about nobody, one per request of a client without cookies.
    """
    if not ActionForm().validate():
        abort(400)
    here = current_learner()
    if here is None or (learner_progress().is_empty and not here.has_code):
        return _render_progress(lang, nothing_to_save=True)
    learner = ensure_learner()
    replaced = learner.has_code
    code = issue_code(get_session(), learner, current_app.config["LEARNER_CODE_PEPPER"])
    get_session().commit()
    return render_template("learner/code.html", code=code, replaced=replaced)


@bp.post("/<lang:lang>/progress/continue")
def continue_with_code(lang: str) -> Response | tuple[str, int]:
    """Bring back the progress saved under a code, merged with what this browser did before."""
    form = ContinueWithCodeForm()
    if not form.validate():
        return _render_progress(lang, form, 422)
    if _wrong_tries_today() >= current_app.config["CODE_TRIES_PER_DAY"]:
        form.code.errors.append(_("Too many wrong codes in this session. Close the browser and open the site "
                                  "again, or try again tomorrow."))
        return _render_progress(lang, form, 429)
    try:
        with limit("code_checks").slot():
            target = find_learner_by_code(get_session(), form.code.data or "",
                                          current_app.config["LEARNER_CODE_PEPPER"])
            message = _("No progress is saved under this code. Check each group of digits and try again.")
    except CodeFormatError as error:
        target = None
        message = _("A learner code has %(expected)d digits; you typed %(found)d. Check it and try again.",
                    expected=CODE_DIGITS, found=error.digits_found)
    except Busy:
        form.code.errors.append(_("Many codes are being checked right now. Wait a moment, then try again."))
        return _render_progress(lang, form, 503)
    if target is None:
        _count_wrong_try()
        get_session().rollback()
        form.code.errors.append(message)
        return _render_progress(lang, form, 422)
    here = current_learner()
    if here is not None and here.id != target.id and not here.has_code:
        merge_into(get_session(), here, target, lesson_counts())
    target.touch(clock().today())
    get_session().commit()
    session = browser_session()
    session.pop(CODE_TRIES_KEY, None)
    session.rotate()  # a new token: whoever copied the old cookie does not follow the learner in
    session.permanent = bool(form.remember.data)
    become(target)
    forget_cached_progress()
    flash(_("Welcome back: your progress is here."), "success")
    return redirect(url_for("learner.progress", lang=lang), code=303)


def _wrong_tries_today() -> int:
    """Wrong codes typed in this browser session today (counted on the server, by the day)."""
    tries = browser_session().get(CODE_TRIES_KEY)
    if isinstance(tries, list) and len(tries) == 2 and tries[0] == clock().today().isoformat():
        return int(tries[1])
    return 0


def _count_wrong_try() -> None:
    """Count a wrong code against this browser's session; a browser without one gets none for it.

    A session would be a database write for every try from a client that keeps no cookie (and
    such a client would simply start a new one): tries are counted where there is a session to
    count them in, and what bounds a flood is that checks are cheap and few run at once.
    """
    session = browser_session()
    if session.exists:
        session[CODE_TRIES_KEY] = [clock().today().isoformat(), _wrong_tries_today() + 1]


@bp.post("/<lang:lang>/progress/remember")
def remember_device(lang: str) -> Response:
    """Keep the session cookie across browser restarts (or stop keeping it)."""
    form = RememberForm()
    if not form.validate():
        abort(400)
    session = browser_session()
    session.permanent = bool(form.remember.data)
    flash(_("This device will remember you for %(days)d days.", days=current_app.config["REMEMBER_DEVICE_DAYS"])
          if session.permanent else _("This device will forget you when the browser closes."), "success")
    return redirect(url_for("learner.progress", lang=lang), code=303)


@bp.get("/<lang:lang>/progress/delete")
def confirm_delete(lang: str) -> Response:
    """Ask once before deleting everything."""
    return shared_page(render_template("learner/delete.html", form=ActionForm(), learner=current_learner()))


@bp.post("/<lang:lang>/progress/delete")
def delete_everything(lang: str) -> Response:
    """Remove the learner and all their rows, end the session on the server, and say so."""
    if not ActionForm().validate():
        abort(400)
    learner = current_learner()
    if learner is not None:
        delete_learner(get_session(), learner)
        get_session().commit()
        checkpoint_after_delete(get_session())
    forget_learner()
    return redirect(url_for("learner.deleted", lang=lang), code=303)


@bp.get("/<lang:lang>/progress/deleted")
def deleted(lang: str) -> Response:
    """Confirmation that nothing is kept any more."""
    return shared_page(render_template("learner/deleted.html"))
