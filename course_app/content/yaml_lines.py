"""Safe YAML loading that remembers the line of every key and list item.

Educators need ``path:line`` for every problem, including "unknown key" or "missing field",
so mappings and lists come back as ``LineDict`` and ``LineList`` carrying their lines.

Lesson YAML is data, never a program. The lesson tree is untrusted input (an educator is not an
administrator), so before any value is built the text is read as a stream of parser events and
refused, with its line, if it holds what no lesson needs and an attacker would: an anchor
(``&name``) or alias (``*name``) — nine levels of aliased lists make a billion items from a
few hundred bytes —, an explicit tag (``!!python/…``, ``!!str``, ``!x``), or lists and mappings
nested deeper than ``MAX_NESTING``. Only PyYAML's safe loader builds values afterwards, and a
message quotes at most ``excerpt`` of a value, never the whole of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping read from YAML: ``line`` is where it starts, ``key_lines[key]`` where each key is."""

    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence read from YAML: ``line`` is where it starts, ``item_lines[i]`` where item i is."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


EXCERPT_CHARACTERS = 40
# Lesson files nest a few levels (a quiz: questions → choices → text); far deeper is an attack on
# the parser's recursion, not a lesson.
MAX_NESTING = 32


def excerpt(value: Any, limit: int = EXCERPT_CHARACTERS) -> str:
    """A value as an error message may quote it: short text as it is, long text cut, never a whole list.

    A message that formats a whole value can be as large as the file (or, with aliases, far
    larger); this is the one place values are turned into message text.
    """
    if isinstance(value, dict):
        return "a list of 'key: value' lines"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    text = " ".join(str(value)[: limit * 4].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while parsing, with its file line."""

    line: int
    message: str


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line`` is the file line where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


# libyaml's parser when PyYAML was built with it (it is, in the PyPI wheels): many times faster,
# which matters when thousands of lesson files load at start-up. Both build nodes with line marks.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]  # the base is chosen at run time (C or Python)
    """A safe loader that builds LineDict/LineList and records duplicate keys instead of hiding them."""

    def __init__(self, stream: str, first_line: int) -> None:
        super().__init__(stream)
        self.issues: list[YamlIssue] = []
        self.first_line = first_line

    def file_line(self, node: yaml.Node) -> int:
        """The file line of a node (the parsed text may start further down a file)."""
        return node.start_mark.line + self.first_line


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = loader.file_line(node)
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = loader.file_line(key_node)
        try:
            hash(key)
        except TypeError:
            loader.issues.append(YamlIssue(line, "a key must be a plain word, not a list or mapping"))
            continue
        if key in result:
            loader.issues.append(
                YamlIssue(line, f"duplicate key '{key}' (first on line {result.key_lines[key]})")
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = loader.file_line(node)
    result.item_lines = [loader.file_line(child) for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


# What the parser's words usually mean in a lesson file, and what to do about it.
PLAIN_WORDS = (
    ("mapping values are not allowed", "a text has a ':' in it, so it reads as a new key: put the whole text in "
                                       "quotes, like this: text: \"Article 2: the right to organise\""),
    ("did not find expected '-' indicator", "a list is not lined up: each item starts with '- ', indented by the "
                                            "same number of spaces as the items above it"),
    ("found character '\\t' that cannot start any token", "a tab is used for indenting: YAML allows only spaces "
                                                         "(set your editor to insert two spaces)"),
    ("found a tab character", "a tab is used for indenting: YAML allows only spaces (set your editor to insert two "
                              "spaces)"),
    ("did not find expected key", "this line is indented differently from the lines around it: line it up with "
                                  "its neighbours (two spaces per level)"),
    ("could not find expected ':'", "a line has no ':' between its key and its value, or a long text goes on to "
                                    "the next line without quotes: join it into one line, or quote it"),
    ("found unexpected end of stream", "a quote is opened and never closed: close it at the end of the text"),
    ("found undefined alias", "'*' at the start of a text means something to YAML: put the text in quotes"),
    ("expected <block end>, but found", "the indentation goes back further than it should: line this up with the "
                                        "key it belongs to"),
)


def in_plain_words(reason: str) -> str:
    """The parser's reason with a plain explanation and the likely fix, when one is known."""
    for words, explanation in PLAIN_WORDS:
        if words in reason:
            return f"{explanation} (YAML syntax error: {reason})"
    return f"YAML syntax error: {reason}"


ALIAS_REFUSED = ("'*{name}' is a YAML alias (it repeats another part of the file): lesson files may not use "
                 "aliases; write the value out in full, and put a text that starts with '*' in quotes")
ANCHOR_REFUSED = ("'&{name}' is a YAML anchor: lesson files may not use anchors or aliases; write each value "
                  "out in full")
TAG_REFUSED = ("'{tag}' is a YAML tag: lesson files hold plain text, numbers, lists and 'key: value' lines only; "
               "if the text starts with '!', put it in quotes")
_STANDARD_TAGS = "tag:yaml.org,2002:"  # what the parser makes of '!!'
TOO_DEEP = (f"lists and 'key: value' lines are nested more than {MAX_NESTING} levels deep here: "
            "no lesson file needs that")


def _refuse_what_is_not_data(text: str, first_line: int) -> None:
    """Read ``text`` as parser events only (no value is built) and refuse anchors, aliases, tags and deep nesting.

    :raises YamlSyntaxError: at the first such thing, with its file line.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        line = (event.start_mark.line if event.start_mark is not None else 0) + first_line
        if isinstance(event, yaml.AliasEvent):
            raise YamlSyntaxError(line, ALIAS_REFUSED.format(name=excerpt(event.anchor)))
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise YamlSyntaxError(line, ANCHOR_REFUSED.format(name=excerpt(event.anchor)))
        tag = getattr(event, "tag", None)
        if tag is not None:
            written = "!!" + tag.removeprefix(_STANDARD_TAGS) if tag.startswith(_STANDARD_TAGS) else tag
            raise YamlSyntaxError(line, TAG_REFUSED.format(tag=excerpt(written)))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise YamlSyntaxError(line, TOO_DEEP)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_yaml(text: str, first_line: int = 1) -> tuple[Any, list[YamlIssue]]:
    """Parse one YAML document safely, returning the data and any duplicate-key issues.

    Anchors, aliases, tags and deep nesting are refused before any value is built.
    :param first_line: the file line the text starts on (front matter starts on line 2).
    :raises YamlSyntaxError: when the text is not valid YAML, or holds what lesson YAML may not (with its file line).
    """
    loader = _LineLoader(text, first_line)
    try:
        _refuse_what_is_not_data(text, first_line)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else first_line
        # A parser that runs off the end points past the last line: name the last line instead.
        line = min(line, first_line + text.rstrip("\n").count("\n"))
        reason = excerpt(exc.problem or exc.context or "invalid YAML", 200)
        lines = text.split("\n")
        offending = lines[line - first_line] if 0 <= line - first_line < len(lines) else ""
        if "\t" in offending[:len(offending) - len(offending.lstrip())] or "\t" in reason:
            reason = "found a tab character where indentation was expected"
        raise YamlSyntaxError(line, in_plain_words(reason)) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. several documents
        raise YamlSyntaxError(first_line, f"YAML error: {excerpt(exc, 200)}") from None
    finally:
        loader.dispose()
    return data, loader.issues
