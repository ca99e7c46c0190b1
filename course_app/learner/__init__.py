"""The learner's side of the site: reading, quizzes, their own progress. No login, no names."""

from flask import Flask

from . import context, discovery, forms, identity, media, page_cache, pages, preview, progress, quizzes, reads, safety  # noqa: F401  (views register themselves on bp)
from .blueprint import bp

__all__ = ["bp", "init_app"]

bp.before_request(forms.hand_over_wtforms_messages)


def init_app(app: Flask) -> None:
    context.init_app(app)
    discovery.init_app(app)
    reads.init_app(app)
    page_cache.init_app(app)
