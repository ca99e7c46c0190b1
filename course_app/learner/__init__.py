"""The learner's side of the site: reading, quizzes, their own progress. No login, no names."""

from flask import Blueprint, Flask

bp = Blueprint("learner", __name__)

from . import context, identity, media, pages, progress, quizzes, safety  # noqa: E402,F401  (views register themselves on bp)


def init_app(app: Flask) -> None:
    context.init_app(app)
