"""UI translations: extraction works, every message is translated in ru and be, and they compile."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_DIR

TRANSLATIONS = PROJECT_DIR / "course_app" / "translations"
PYBABEL = Path(sys.executable).parent / "pybabel"


def extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=PROJECT_DIR, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {_key(message) for message in read_po(handle) if message.id}


def _key(message) -> str:  # type: ignore[no-untyped-def]
    """A message's identity: its context (if any) and its text."""
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{text}" if message.context else text


@pytest.mark.parametrize("lang", ["ru", "be"])
def test_every_ui_message_is_translated(tmp_path: Path, lang: str) -> None:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = _key(message)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    missing = sorted(key for key in extracted_ids(tmp_path) if not translated.get(key))
    assert missing == [], f"untranslated in {lang}: run 'make update-translations' and translate: {missing}"


def test_placeholders_survive_translation() -> None:
    for lang in ("ru", "be"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.python_format:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = {part for text in ids for part in _placeholders(text)}
            for text in strings:
                assert _placeholders(text) <= wanted and _placeholders(text), (lang, message.id, text)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]", text))
