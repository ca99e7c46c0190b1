"""Gunicorn's settings under the name operators' service files use (``-c python:course_app.gunicorn_config``)."""

from course_app.serving.gunicorn_settings import *  # noqa: F403 - this module is only that name
