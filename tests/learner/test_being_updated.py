"""What readers get of a course, lesson or glossary held back by errors in its files: a short "being updated"
page (503, for a while), with every safety header, naming nothing in neutral mode; the rest is served."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_app


def break_front_matter(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: [", 1), encoding="utf-8")


def test_a_broken_course_yaml_holds_back_the_whole_course(lessons_copy: Path, tmp_path: Path) -> None:
    course_yaml = lessons_copy / "trade-unions" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("languages:", "languages: [en\n", 1))
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy)).test_client()
    for address in ("/ru/trade-unions/", "/ru/trade-unions/wages", "/ru/trade-unions/wages/quiz"):
        response = client.get(address)
        assert response.status_code == 503, address
        assert "Этот курс обновляется" in response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "300" and response.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "trade-unions" not in client.get("/ru/").get_data(as_text=True)


def test_a_broken_terms_yaml_holds_back_the_glossary_only(lessons_copy: Path, tmp_path: Path) -> None:
    terms = lessons_copy / "trade-unions" / "terms.yaml"
    terms.write_text("terms:\n  - id: Bad_Id\n", encoding="utf-8")
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy)).test_client()
    glossary = client.get("/be/trade-unions/glossary")
    assert glossary.status_code == 503 and "Слоўнік абнаўляецца" in glossary.get_data(as_text=True)
    assert client.get("/be/trade-unions/wages").status_code == 200
    assert client.get("/be/trade-unions/").status_code == 200


def test_in_neutral_mode_a_held_back_lesson_names_nothing(lessons_copy: Path, tmp_path: Path) -> None:
    break_front_matter(lessons_copy / "trade-unions" / "wages" / "ru.md")
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy), NEUTRAL_MODE=True).test_client()
    contents = client.get("/en/c/1/").get_data(as_text=True)
    number = int(contents.split('lesson-list__item--held-back" value="', 1)[1].split('"', 1)[0])
    response = client.get(f"/en/c/1/{number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "This lesson is being updated" in page
    assert "Wages" not in page and "wage" not in page.lower() and "trade-unions" not in page
    assert f"Lesson {number}" in page


def test_a_learner_page_of_a_held_back_lesson_shows_no_errors_outside_the_preview(lessons_copy: Path,
                                                                                  tmp_path: Path) -> None:
    break_front_matter(lessons_copy / "trade-unions" / "wages" / "en.md")
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy)).test_client()
    page = client.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "YAML" not in page and "en.md" not in page and "Error:" not in page
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True).test_client()
    shown = preview.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "<strong>Error:</strong> <code>lessons/trade-unions/wages/en.md:3</code> YAML syntax error" in shown


def test_lesson_numbers_match_the_contents_while_one_is_held_back_and_one_is_a_draft(lessons_copy: Path,
                                                                                    tmp_path: Path) -> None:
    """A learner counts lessons on the course's contents: a lesson being updated keeps its place there, and a
    draft keeps its number unseen, so each lesson's "Lesson N of M" is the number it is listed under, of the
    last number listed — not its position among the lessons that can be read just now."""
    break_front_matter(lessons_copy / "trade-unions" / "what-is-a-union" / "en.md")
    draft = lessons_copy / "trade-unions" / "wages" / "en.md"
    draft.write_text(draft.read_text(encoding="utf-8").replace("revision: 2\n", "revision: 2\ndraft: true\n", 1),
                     encoding="utf-8")
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy)).test_client()
    contents = client.get("/en/trade-unions/").get_data(as_text=True)
    listed = [(int(number), address) for number, address in re.findall(
        r'<li class="lesson-list__item[^"]*" value="(\d+)">\s*<a href="([^"]+)"', contents)]
    held_back = [int(number) for number in re.findall(
        r'lesson-list__item--held-back" value="(\d+)"', contents)]
    numbers = sorted([number for number, _address in listed] + held_back)
    assert held_back == [2] and 2 in numbers and len(numbers) == len(set(numbers))
    assert "/en/trade-unions/wages" not in contents  # the draft is not listed, its number not shown
    last = max(numbers)
    assert len(numbers) < last  # a gap where the draft is: its number stays unseen
    for number, address in listed:
        page = client.get(address).get_data(as_text=True)
        assert f"Lesson {number} of {last}" in page, address
