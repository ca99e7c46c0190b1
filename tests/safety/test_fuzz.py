"""Fuzzing: every POST form with random data, and the lesson-file parser with random files.

Forms answer with a 3xx or 4xx and never a 500; the parser reports problems and never raises.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from course_app.addresses import ServerLinkStyle
from course_app.content.loader import LoadOptions, load_catalogue
from course_app.content.problems import ProblemList
from course_app.content.webvtt import parse_webvtt
from tests.factories import make_course
from tests.helpers import CSRF

POST_ROUTES = [
    ("/en/trade-unions/wages/quiz", "/en/trade-unions/wages"),
    ("/ru/c/1/4/quiz", "/ru/c/1/4"),
    ("/en/trade-unions/wages/done", "/en/trade-unions/wages"),
    ("/be/progress/code", "/be/progress"),
    ("/be/progress/continue", "/be/progress"),
    ("/en/progress/remember", "/en/progress"),
    ("/en/progress/delete", "/en/progress/delete"),
    ("/staff/login", "/staff/login"),
    ("/staff/enrol", "/staff/login"),
    ("/staff/logout", "/staff/login"),
]

field_names = st.sampled_from(["q1", "q2", "q3", "q4", "q4_1", "q4_2", "q5", "q6", "code", "remember", "name",
                               "password", "csrf_token", "x", "q1[]", ""])
values = st.one_of(st.text(max_size=200), st.sampled_from(["a", "b", "true", "false", "1", "2", "99", "", "y",
                                                            "0" * 24, "é" * 30, "\x00", "../../etc"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(POST_ROUTES), data=st.lists(st.tuples(field_names, values), max_size=12),
       with_token=st.booleans())
def test_post_forms_never_fail_on_the_server(app: Flask, route: tuple[str, str], data: list[tuple[str, str]],
                                             with_token: bool) -> None:
    client = app.test_client()
    action, page = route
    if with_token:
        match = CSRF.search(client.get(page).get_data(as_text=True))
        if match:
            data = [("csrf_token", match.group(1)), *[(k, v) for k, v in data if k != "csrf_token"]]
    response = client.post(action, data=MultiDict(data))
    assert response.status_code < 500, (action, data, response.status_code)


OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))
yaml_like = st.text(alphabet=st.sampled_from(list("abcdefghij:- \n[]{}'\"#&*!|>%@,?0123456789тыé\t")), max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=yaml_like, body=st.text(max_size=400), quiz=yaml_like, course_file=st.one_of(st.none(), yaml_like))
def test_lesson_parser_reports_and_never_raises(tmp_path_factory: pytest.TempPathFactory, front: str, body: str,
                                                quiz: str, course_file: str | None) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    course = make_course(root, lessons=("one", "two"))
    (course / "one" / "en.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    (course / "one" / "quiz.en.yaml").write_text(quiz, encoding="utf-8")
    if course_file is not None:
        (course / "course.yaml").write_text(course_file, encoding="utf-8")
    catalogue = load_catalogue(root, OPTIONS)
    for problem in catalogue.problems:
        assert problem.line >= 0 and problem.message
        assert problem.format(root).startswith("demo/")
    if course_file is None:
        # The untouched lesson is always still served.
        assert "two" in catalogue.course("demo").lessons_by_slug


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_webvtt_parser_never_raises(text: str) -> None:
    problems = ProblemList()
    parse_webvtt("WEBVTT\n\n" + text, Path("x.vtt"), problems)
    parse_webvtt(text, Path("x.vtt"), problems)
    assert all(problem.line >= 1 for problem in problems)
