"""Being found by those who look: which pages search engines may index, robots.txt and the sitemap.

The reading pages (the courses, a course, a lesson, its glossary, "Study safely") may be
indexed, so a worker who searches for their rights finds the course. Everything with a
learner's state (progress, the code, quiz results), staff pages, error pages, addresses with
a query, the educators' preview and the whole site in neutral mode say ``noindex``; an
operator turns indexing off altogether with ``INDEXING=false``.

Pages never carry an absolute address of their own host (S9): the language versions of a
page are announced in the sitemap only, with absolute addresses under ``PUBLIC_URL``, and
only when the operator has set it. A request that arrives under an onion address gets no
sitemap and no ``Sitemap:`` line, so the public address is never tied to the onion one.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Flask, Response, abort, current_app, request, url_for

from ..content import current_catalogue
from .blueprint import bp

# The pages every reader gets alike and a search engine may list (readable addresses only).
INDEXABLE_ENDPOINTS = frozenset({"learner.catalogue", "learner.course", "learner.lesson", "learner.glossary",
                                 "learner.safety"})


def indexing_allowed() -> bool:
    config = current_app.config
    return bool(config["INDEXING"]) and not config["NEUTRAL_MODE"] and not config.get("PREVIEW")


def robots_directive(error_page: bool = False) -> str | None:
    """The page's ``<meta name="robots">`` content: None (index it) or "noindex"."""
    indexable = (indexing_allowed() and not error_page and request.endpoint in INDEXABLE_ENDPOINTS
                 and not request.query_string)
    return None if indexable else "noindex"


def _onion_request() -> bool:
    return request.host.split(":", 1)[0].lower().endswith(".onion")


def _public_url() -> str | None:
    """The operator's public address, when a sitemap may name it for this request."""
    public = str(current_app.config["PUBLIC_URL"] or "").rstrip("/")
    return public if public and indexing_allowed() and not _onion_request() else None


@bp.get("/robots.txt")
def robots_txt() -> Response:
    lines = ["User-agent: *"]
    if indexing_allowed():
        lines += ["Disallow: /staff/", "Disallow: /media/", "Disallow: /*/progress", "Disallow: /*/leave",
                  "Disallow: /*/quiz$", "Disallow: /*/result$", "Disallow: /*/c/"]
        public = _public_url()
        if public:
            lines.append(f"Sitemap: {public}{url_for('learner.sitemap')}")
    else:
        lines.append("Disallow: /")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every indexable page with its language versions (hreflang), under the public address."""
    public = _public_url()
    if public is None:
        abort(404)
    languages = list(current_app.config["LANGUAGES"])
    entries: list[list[tuple[str, str]]] = [
        [(lang, url_for("learner.catalogue", lang=lang)) for lang in languages],
        [(lang, url_for("learner.safety", lang=lang)) for lang in languages],
    ]
    for course in current_catalogue().courses:
        spoken = [lang for lang in languages if lang in course.languages]
        entries.append([(lang, url_for("learner.course", lang=lang, course_slug=course.slug)) for lang in spoken])
        if course.glossary is not None:
            entries.append([(lang, url_for("learner.glossary", lang=lang, course_slug=course.slug))
                            for lang in spoken])
        for lesson in course.lessons:
            written = [lang for lang in languages if lang in lesson.texts]
            entries.append([(lang, url_for("learner.lesson", lang=lang, course_slug=course.slug,
                                           lesson_slug=lesson.slug)) for lang in written])
    urls = []
    for versions in entries:
        alternates = "".join(f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(public + path)}"/>'
                             for lang, path in versions)
        default = f'<xhtml:link rel="alternate" hreflang="x-default" href="{escape(public + versions[0][1])}"/>'
        urls += [f"<url><loc>{escape(public + path)}</loc>{alternates}{default}</url>" for _lang, path in versions]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
            + "\n".join(urls) + "\n</urlset>\n")
    return Response(body, mimetype="application/xml")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(robots_directive=robots_directive)
