"""The learner's side of the site: reading, quizzes, their own progress. No login, no names."""

from flask import Blueprint, Flask

bp = Blueprint("learner", __name__)

from . import context, discovery, identity, media, page_cache, pages, progress, quizzes, reads, safety  # noqa: E402,F401  (views register themselves on bp)


def init_app(app: Flask) -> None:
    context.init_app(app)
    discovery.init_app(app)
    reads.init_app(app)
    page_cache.init_app(app)
