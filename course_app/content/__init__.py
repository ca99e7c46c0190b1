"""Lesson files: their schema, the loader that reads them, and the catalogue a server keeps."""

from __future__ import annotations

import hashlib
import hmac
from functools import partial
from pathlib import Path

from flask import Flask, current_app, g

from .lesson_cache import LessonCache
from .loader import LoadOptions, load_catalogue
from .model import Catalogue
from .store import CatalogueStore, Generation


def load_options(app: Flask, *, include_drafts: bool | None = None) -> LoadOptions:
    """How this app loads lessons: its languages, its link style, whether drafts show."""
    from ..addresses import ServerLinkStyle

    return LoadOptions(
        languages=tuple(app.config["LANGUAGES"]),
        link_style=ServerLinkStyle(neutral=bool(app.config["NEUTRAL_MODE"])),
        include_drafts=bool(app.config.get("PREVIEW")) if include_drafts is None else include_drafts,
        media_dir=Path(app.config["MEDIA_DIR"]) if app.config["MEDIA_DIR"] else None,
        max_file_bytes=int(app.config["LESSON_FILE_MAX_BYTES"]),
    )


def init_app(app: Flask) -> None:
    """Read every lesson file once, now; later requests use the rendered catalogue."""
    root = Path(app.config["LESSONS_DIR"])
    preview = bool(app.config.get("PREVIEW"))
    read_now = bool(app.config.get("READ_LESSONS_AT_START", True))
    options = load_options(app)
    app.extensions["course_app.catalogue"] = CatalogueStore(
        root, partial(load_catalogue, options=options, cache=app_lesson_cache(app, root, options)),
        watch=bool(app.config["RELOAD_LESSONS"]) or preview,
        # The preview looks at the files on every page load, and shows its problems on the page rather than in a log.
        # A command reads the lessons only if it asks for them (``lessons check`` reads them its own way), and logs
        # nothing about them: only a server says what it holds back.
        check_interval=0 if preview else 1.0, report=not preview and read_now,
        read_now=read_now,
    )


def app_lesson_cache(app: Flask, root: Path, options: LoadOptions) -> LessonCache:
    """This app's cache of read lessons: one file per lessons folder, way of loading them and signing key
    (servers with other keys, say after a key change, keep files of their own rather than refuse each other's)."""
    folder = Path(app.config["LESSON_CACHE_DIR"] or Path(app.instance_path) / "lesson-cache")
    secret = app.config["SECRET_KEY"]
    name = hmac.new(secret.encode(), f"{root.resolve()}\0{options!r}".encode(), hashlib.sha256).hexdigest()[:24]
    return LessonCache(folder / f"{name}.pickle", secret)


def catalogue_store(app: Flask | None = None) -> CatalogueStore:
    store: CatalogueStore = (app or current_app).extensions["course_app.catalogue"]
    return store


def current_generation() -> Generation:
    """The generation this request is served from: the same one from its start to its end."""
    if "catalogue_generation" not in g:
        g.catalogue_generation = catalogue_store().generation
    generation: Generation = g.catalogue_generation
    return generation


def current_catalogue() -> Catalogue:
    """The catalogue to serve this request from."""
    return current_generation().catalogue
