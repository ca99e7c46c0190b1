from __future__ import annotations

import pytest

from course_app.content.yaml_lines import LineDict, LineList, YamlSyntaxError, load_yaml


def test_keys_and_items_carry_their_lines() -> None:
    data, issues = load_yaml("title: A\nlist:\n  - one\n  - two\nnested:\n  key: value\n")
    assert issues == []
    assert isinstance(data, LineDict)
    assert data.line_of("title") == 1
    assert data.line_of("nested") == 5
    assert isinstance(data["list"], LineList)
    assert data["list"].line_of(1) == 4
    assert data["nested"].line_of("key") == 6


def test_duplicate_keys_are_reported_not_hidden() -> None:
    data, issues = load_yaml("title: first\nother: 1\ntitle: second\n")
    assert data["title"] == "first"
    assert [(issue.line, "duplicate key 'title'" in issue.message) for issue in issues] == [(3, True)]


def test_syntax_error_gives_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_yaml("a: 1\nb: [unclosed\nc: 2\n")
    assert caught.value.line in (2, 3)
    assert "YAML syntax error" in caught.value.message


def test_python_tags_are_refused() -> None:
    with pytest.raises(YamlSyntaxError):
        load_yaml("x: !!python/object/apply:os.system ['true']\n")
