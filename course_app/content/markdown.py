"""Lesson bodies: Markdown to sanitised HTML, with lesson links, media links and section anchors.

Rendering happens once, when the catalogue loads. Links between lessons are written as
``lesson:SLUG`` (or ``lesson:COURSE/SLUG``) and resolved by a ``LinkStyle``, because the same
lesson is published under different addresses: the live site, neutral mode, a static mirror.
Fenced blocks with a registered name (``video``) become objects that templates render at
request time (the learner chooses a video size); everything an educator wrote is sanitised
with nh3 before it reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from .boundary import OutsideBoundary, open_examined, relative_reference
from .model import AnchorLink, Heading
from .pdf import PdfRefused, check_pdf
from .problems import ProblemList
from .video import REFUSED_TYPES, MediaFile, Video, find_media, is_publishable, media_file, parse_video_block

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code", "pre",
    "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "img", "s", "del",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "ol": {"start"},
    "th": {"style"}, "td": {"style"},
}
# Inline styles are refused by the CSP; markdown-it writes table alignment as style="text-align".
_STRIPPED_ATTRIBUTES = {("th", "style"), ("td", "style")}
EXTERNAL_SCHEMES = {"https", "http", "mailto"}
LESSON_SCHEME = "lesson:"


@dataclass(frozen=True)
class LessonRef:
    """A lesson's address parts: slugs for normal links, numbers for neutral mode."""

    course_slug: str
    lesson_slug: str
    course_number: int
    lesson_number: int


class LinkStyle(Protocol):
    """Turns lesson links and lesson media into addresses for one kind of publication."""

    def lesson_href(self, source: LessonRef, target: LessonRef, anchor: str) -> str: ...

    def media_href(self, source: LessonRef, relative_path: str) -> str: ...


@dataclass
class RenderContext:
    """What a lesson body needs to know while it renders: where it is and what exists."""

    path: Path
    body_line: int
    ref: LessonRef
    lesson_dir: Path
    lang: str
    known_lessons: Mapping[str, Mapping[str, LessonRef]]
    link_style: LinkStyle
    problems: ProblemList
    media_dir: Path | None = None
    lesson_languages: tuple[str, ...] = ()
    # Filled while rendering: every file the lesson publishes, by its name inside the lesson.
    media: dict[str, MediaFile] = field(default_factory=dict)
    videos: list[Video] = field(default_factory=list)
    # The lesson's own section headings (numbered before its links are checked against them).
    headings: list[Heading] = field(default_factory=list)
    # Links to sections of other lessons, checked once every lesson is read.
    anchor_links: list[AnchorLink] = field(default_factory=list)

    def line_of(self, token: Token) -> int:
        """The 1-based file line of a block token."""
        return self.body_line + (token.map[0] if token.map else 0)


# A block renderer gets the fence's text, its first line and the context; it returns an object
# for the page (rendered by a template at request time), or None when the block is broken.
BlockRenderer = Callable[[str, int, RenderContext], object | None]
BodyPart = Markup | Video


def _video_block(text: str, first_line: int, ctx: RenderContext) -> Video | None:
    video = parse_video_block(text, first_line, path=ctx.path, lesson_dir=ctx.lesson_dir, media_dir=ctx.media_dir,
                              course_slug=ctx.ref.course_slug, languages=ctx.lesson_languages,
                              number=len(ctx.videos) + 1, problems=ctx.problems)
    if video is not None:
        ctx.videos.append(video)
        for file in (*(size.file for size in video.sizes), *(track.file for track in video.subtitles), video.poster):
            if file is not None:
                ctx.media[file.name] = file
    return video


BLOCKS: dict[str, BlockRenderer] = {"video": _video_block}


@dataclass(frozen=True)
class RenderedBody:
    parts: tuple[BodyPart, ...]
    headings: tuple[Heading, ...]


def _markdown() -> MarkdownIt:
    # Raw HTML is off: educators write Markdown, and nothing they type becomes markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


_MD = _markdown()
COMMENT = re.compile(r"<!--.*?-->", re.S)


def strip_comments(body: str) -> str:
    """Remove ``<!-- notes -->`` meant for educators and translators, keeping every line where it was."""
    return COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), body)


def render_body(text: str, ctx: RenderContext) -> RenderedBody:
    """Render one lesson body, reporting broken links and bad blocks into ``ctx.problems``."""
    tokens = _MD.parse(text)
    headings = _number_headings(tokens, ctx)
    ctx.headings = headings
    _rewrite_links(tokens, ctx)
    parts: list[BodyPart] = []
    run: list[Token] = []
    for token in tokens:
        name = token.info.strip().split(" ", 1)[0] if token.type == "fence" else ""
        if name in BLOCKS:
            if token.level != 0:
                ctx.problems.error(ctx.path, ctx.line_of(token),
                                   f"a ```{name} block must start at the left margin, not inside a list or quote")
                continue
            # Safe: nh3 has just removed everything but the allowed tags and attributes.
            parts.append(Markup(_sanitise(_MD.renderer.render(run, _MD.options, {}))))  # nosec B704
            run = []
            block = BLOCKS[name](token.content, ctx.line_of(token) + 1, ctx)
            if isinstance(block, Video):
                parts.append(block)
            continue
        run.append(token)
    parts.append(Markup(_sanitise(_MD.renderer.render(run, _MD.options, {}))))  # nosec B704 (sanitised by nh3)
    return RenderedBody(tuple(part for part in parts if not isinstance(part, Markup) or part.strip()),
                        tuple(headings))


def _number_headings(tokens: list[Token], ctx: RenderContext) -> list[Heading]:
    """Give section headings stable anchors (section-1, section-2 …) shared by every translation."""
    headings: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        if level == 1:
            ctx.problems.warning(ctx.path, ctx.line_of(token),
                                 "start sections with '##': the page already shows the lesson title as its heading")
            token.tag = "h2"
            tokens[index + 2].tag = "h2"
            level = 2
        anchor = f"section-{len(headings) + 1}"
        token.attrSet("id", anchor)
        inline = tokens[index + 1]
        text = "".join(child.content for child in inline.children or [] if child.type in {"text", "code_inline"})
        headings.append(Heading(anchor, text.strip(), level))
    return headings


def _rewrite_links(tokens: list[Token], ctx: RenderContext) -> None:
    """Resolve lesson links and media paths; report links and images that lead nowhere."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = ctx.line_of(token)
        for child in token.children:
            # A paragraph's lines: each line break moves on, so a problem names its own line.
            if child.type in {"softbreak", "hardbreak"}:
                line += 1
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                child.attrSet("href", _resolve_link(href, line, ctx))
            elif child.type == "image":
                _check_image(child, line, ctx)


# A web address written without its scheme: www.ilo.org, ilo.org/… (a file name has no slash-free dotted host).
_BARE_HOST = re.compile(r"^(?:www\.[^/?#\s]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org|com|net|int|info|eu|by|ru|"
                        r"ua|uk|de|fr|pl|lt|lv|ee|edu|gov))(?:[/?#].*)?$", re.I)
SECTION_ANCHOR = re.compile(r"^section-([1-9][0-9]*)$")


def _resolve_link(href: str, line: int, ctx: RenderContext) -> str:
    if href.startswith(LESSON_SCHEME):
        return _resolve_lesson_link(href[len(LESSON_SCHEME):], line, ctx)
    if href.startswith("#"):
        _check_own_anchor(href[1:], href, line, ctx)
        return href
    scheme = urlsplit(href).scheme.lower()
    if scheme:
        if scheme not in EXTERNAL_SCHEMES:
            ctx.problems.error(ctx.path, line, f"link '{href}' uses '{scheme}:', which is not allowed (use https:)",
                               rule="links")
            return "#"
        return href
    if _BARE_HOST.match(href):
        ctx.problems.error(ctx.path, line, f"link '{href}' is a web address without its beginning: add https:// "
                           f"(https://{href})", rule="links")
        return "#"
    media = _local_file(href, line, ctx, what="link")
    return ctx.link_style.media_href(ctx.ref, media) if media else "#"


def anchor_problem(anchor: str, headings: list[Heading] | tuple[Heading, ...], whose: str) -> str | None:
    """Why ``#anchor`` names no section of a page with ``headings`` (``whose``: "this lesson", "lesson 'x'"), or None.

    A lesson page's sections are ``#section-1``, ``#section-2`` … in the order of its headings, the
    same in every language; no other anchor is meant for links.
    """
    found = SECTION_ANCHOR.match(anchor)
    if found and int(found.group(1)) <= len(headings):
        return None
    count = f"sections 1 to {len(headings)}" if headings else "no sections"
    named = next((heading for heading in headings if _plain(heading.text) == _plain(anchor)), None)
    hint = f"; '{named.text}' is #{named.anchor}" if named else ""
    if found:
        return f"{whose} has {count}, so there is no #{anchor}{hint}"
    return f"sections are linked as #section-N ({whose} has {count}){hint}"


def _plain(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.casefold()).strip("-")


def _check_own_anchor(anchor: str, written: str, line: int, ctx: RenderContext) -> None:
    problem = anchor_problem(anchor, ctx.headings, "this lesson")
    if problem:
        ctx.problems.error(ctx.path, line, f"link '{written}': {problem}", rule="links")


def _resolve_lesson_link(written: str, line: int, ctx: RenderContext) -> str:
    target, _, anchor = written.partition("#")
    course_slug, _, lesson_slug = target.rpartition("/")
    course_slug = course_slug or ctx.ref.course_slug
    lessons = ctx.known_lessons.get(course_slug)
    if lessons is None:
        ctx.problems.error(ctx.path, line, f"link to lesson '{target}': there is no course '{course_slug}'",
                           rule="links")
        return "#"
    if lesson_slug not in lessons:
        ctx.problems.error(ctx.path, line,
                           f"link to lesson '{target}': course '{course_slug}' has no lesson '{lesson_slug}'",
                           rule="links")
        return "#"
    if anchor:
        if (course_slug, lesson_slug) == (ctx.ref.course_slug, ctx.ref.lesson_slug):
            _check_own_anchor(anchor, f"lesson:{written}", line, ctx)
        elif not SECTION_ANCHOR.match(anchor):
            ctx.problems.error(ctx.path, line, f"link 'lesson:{written}': sections are linked as #section-N, "
                               "counted from the lesson's first heading", rule="links")
        else:
            # Whether that lesson has this section is known once it is read (loader.check_anchor_links).
            ctx.anchor_links.append(AnchorLink(line, course_slug, lesson_slug, anchor))
    return ctx.link_style.lesson_href(ctx.ref, lessons[lesson_slug], anchor)


def _check_image(token: Token, line: int, ctx: RenderContext) -> None:
    src = str(token.attrGet("src") or "")
    alt = "".join(child.content for child in token.children or [])
    if not alt.strip():
        ctx.problems.error(ctx.path, line, f"image '{src}' has no alt text: describe it in ![…](…)",
                           rule="images")
    if urlsplit(src).scheme or src.startswith("//"):
        ctx.problems.error(ctx.path, line,
                           f"image '{src}' is on another site: learners' browsers must load nothing from elsewhere; "
                           "put the file in the lesson folder", rule="images")
        token.attrSet("src", "")
        return
    media = _local_file(src, line, ctx, what="image")
    token.attrSet("src", ctx.link_style.media_href(ctx.ref, media) if media else "")
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")


def _local_file(reference: str, line: int, ctx: RenderContext, what: str) -> str | None:
    """The published address (with its version) of a lesson file, or None (reported)."""
    relative = relative_reference(reference.split("#", 1)[0].split("?", 1)[0])
    if relative is None:
        ctx.problems.error(ctx.path, line, f"{what} '{reference}' points outside the lesson folder; "
                           "for another lesson write lesson:SLUG", rule="links")
        return None
    refusal = REFUSED_TYPES.get(Path(relative).suffix.lower())
    if refusal is not None:
        ctx.problems.error(ctx.path, line, f"{what} '{reference}': {refusal}", rule="media")
        return None
    if not is_publishable(relative):
        ctx.problems.error(ctx.path, line, f"{what} '{reference}': this kind of file is not published "
                           "(pictures, audio, video, subtitles and PDF are)", rule="links")
        return None
    try:
        found = find_media(relative, ctx.lesson_dir, ctx.media_dir, ctx.ref.course_slug)
    except OutsideBoundary as refusal:
        ctx.problems.error(ctx.path, line, f"{what} '{reference}' {refusal}", rule="boundary")
        return None
    if found is None:
        ctx.problems.error(ctx.path, line, f"{what} '{reference}': no such file in {ctx.lesson_dir.name}/",
                           rule="media" if what == "image" else "links")
        return None
    if relative.lower().endswith(".pdf"):
        try:
            with open_examined(found).handle as handle:  # as examined: a link put in its place is not followed
                check_pdf(handle)
        except OutsideBoundary as refusal:
            ctx.problems.error(ctx.path, line, f"{what} '{reference}' {refusal}", rule="boundary")
            return None
        except PdfRefused as refusal:
            ctx.problems.error(ctx.path, line, f"{what} '{reference}' {refusal}", rule="media")
            return None
        except OSError as error:
            ctx.problems.error(ctx.path, line, f"{what} '{reference}' cannot be read ({error.strerror})", rule="media")
            return None
    file = media_file(found, relative)
    ctx.media[relative] = file
    return f"{relative}?v={file.version}"


def _drop_unwanted_attribute(tag: str, attribute: str, value: str) -> str | None:
    return None if (tag, attribute) in _STRIPPED_ATTRIBUTES else value


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_unwanted_attribute,
        url_schemes=EXTERNAL_SCHEMES,
        link_rel="noopener noreferrer",
    )
