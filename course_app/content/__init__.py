"""Lesson files: their schema, the loader that reads them, and the catalogue a server keeps."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from flask import Flask, current_app, g

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
    )


def init_app(app: Flask) -> None:
    """Read every lesson file once, now; later requests use the rendered catalogue."""
    root = Path(app.config["LESSONS_DIR"])
    preview = bool(app.config.get("PREVIEW"))
    app.extensions["course_app.catalogue"] = CatalogueStore(
        root, partial(load_catalogue, options=load_options(app)), watch=bool(app.config["RELOAD_LESSONS"]) or preview,
        # The preview looks at the files on every page load and shows whatever is there, problems included.
        check_interval=0 if preview else 1.0, accept_errors=preview,
    )


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
