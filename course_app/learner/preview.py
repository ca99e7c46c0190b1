"""The educators' preview (``course-app preview``): the full list of problems in the lesson files.

Every page of the preview shows the problems of its own lesson at the top and links here for
the rest. On a learners' server this address does not exist.
"""

from __future__ import annotations

from flask import abort, current_app, render_template

from ..templating import all_preview_problems
from .blueprint import bp


@bp.get("/<lang:lang>/preview/problems")
def preview_problems(lang: str) -> str:
    """Every problem in the lesson files, errors first, each labelled (only in the preview)."""
    if not current_app.config.get("PREVIEW"):
        abort(404)
    return render_template("learner/preview_problems.html", problems=all_preview_problems())
