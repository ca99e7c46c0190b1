"""A course's vocabulary (``terms.yaml``): one word per concept and language, checked and shown as a glossary.

A course translated by several people drifts: Russian lessons say «наниматель» in one place and
«работодатель» in another, and a learner wonders whether they are different people. The term
list names, for each concept, the word to use in each language, the variants to avoid and what
the word means. The checker warns where a lesson, quiz or subtitle file uses a variant to
avoid; learners get the same list as the course's glossary page.

    terms:
      - id: employer
        en: {use: employer, means: "The person or organisation that hires a worker."}
        ru: {use: наниматель, avoid: [работодател], means: "Тот, кто принимает работника на работу."}

An ``avoid`` entry matches, ignoring case, at the start of a word, so a stem catches every
ending (``работодател`` finds работодатель, работодателя …). Quoted text («…», “…”, „…“) is not
checked: a quotation keeps its source's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .fields import FieldReader
from .problems import ProblemList
from .yaml_lines import LineDict, LineList

TERMS_FILE = "terms.yaml"
WORDING_KEYS = ("use", "avoid", "means")

# Spans left unchecked: typographic quotations and the addresses of Markdown links.
_QUOTED = re.compile(r"«[^»\n]*»|“[^”\n]*”|„[^“”\n]*[“”]|\]\([^)\n]*\)")


@dataclass(frozen=True)
class Wording:
    """How one language names one concept."""

    use: str
    avoid: tuple[str, ...]
    means: str


@dataclass(frozen=True)
class Concept:
    id: str
    line: int
    wordings: Mapping[str, Wording]


@dataclass(frozen=True)
class GlossaryEntry:
    """A line of the glossary page: the term, what it means, and the language it is written in."""

    id: str
    term: str
    means: str
    lang: str


@dataclass(frozen=True)
class Glossary:
    path: Path
    concepts: tuple[Concept, ...]

    def entries(self, order: list[str]) -> list[GlossaryEntry]:
        """Every concept in the first language of ``order`` it is written in, alphabetically."""
        found = []
        for concept in self.concepts:
            lang = next((lang for lang in order if lang in concept.wordings), None)
            if lang is not None:
                wording = concept.wordings[lang]
                found.append(GlossaryEntry(concept.id, wording.use, wording.means, lang))
        return sorted(found, key=lambda entry: _sort_key(entry.term))

    def avoided_in(self, text: str, lang: str) -> Iterator[tuple[int, str, Concept]]:
        """(line, the word as written, its concept) for every variant to avoid in ``text``, a file in ``lang``."""
        stems = [(concept, stem) for concept in self.concepts
                 for stem in (concept.wordings[lang].avoid if lang in concept.wordings else ())]
        if not stems:
            return
        lines = text.split("\n")
        unquoted = [_QUOTED.sub(lambda match: " " * len(match.group()), line) for line in lines]
        # Most words to avoid are in no file: a plain search for each word's start in the lowered file
        # leaves out those that cannot match, before any line is looked at with the (slower) pattern.
        lowered = "\n".join(unquoted).lower()
        present = [(concept, _stem_pattern(stem)) for concept, stem in stems if stem.split()[0].lower() in lowered]
        for number, (line, line_unquoted) in enumerate(zip(lines, unquoted, strict=True), start=1):
            for concept, pattern in present:
                for match in pattern.finditer(line_unquoted):
                    yield number, _as_written(line, match), concept


def _sort_key(term: str) -> str:
    # ё sorts with е, as in dictionaries; case is ignored.
    return term.casefold().replace("ё", "е")


def _stem_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(stem).replace(r"\ ", r"\s+"), re.IGNORECASE)


def _as_written(line: str, match: re.Match[str]) -> str:
    """The matched stem with the rest of its last word (работодател → работодателя)."""
    rest = re.compile(r"[\w'’-]*").match(line, match.end())
    return line[match.start():rest.end() if rest else match.end()]


def read_terms(data: object, path: Path, languages: tuple[str, ...], original: str,
               problems: ProblemList) -> Glossary | None:
    """The course's term list from the parsed ``terms.yaml``, reporting every problem with its line."""
    if not isinstance(data, LineDict):
        problems.error(path, 1, "terms.yaml starts with 'terms:' followed by a list of concepts "
                       "(see docs/authoring.md)")
        return None
    fields = FieldReader(data, path, problems)
    fields.check_keys(("terms",))
    raw = fields.sequence("terms")
    if raw is None:
        return None
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(item, LineDict):
            problems.error(path, line, "each concept is 'id:' followed by one line per language "
                           "(en: {use: …, avoid: […], means: …})")
            continue
        concept = _read_concept(FieldReader(item, path, problems, where=f"concept {index + 1}"), languages, original)
        if concept is None:
            continue
        if concept.id in seen:
            problems.error(path, concept.line,
                           f"concept '{concept.id}' is listed twice (first on line {seen[concept.id]})")
            continue
        seen[concept.id] = concept.line
        concepts.append(concept)
    _report_clashes(concepts, path, problems)
    return Glossary(path, tuple(concepts))


def _read_concept(fields: FieldReader, languages: tuple[str, ...], original: str) -> Concept | None:
    fields.check_keys(("id", *languages))
    concept_id = fields.slug("id")
    wordings: dict[str, Wording] = {}
    for lang in languages:
        raw = fields.data.get(lang)
        if raw is None:
            rule = "format" if lang == original else "translation"
            message = f"concept '{concept_id}' has no '{lang}' wording"
            if lang == original:
                fields.problems.error(fields.path, fields.line(), message)
            else:
                fields.problems.warning(fields.path, fields.line(), message + "; its glossary shows the original's",
                                        rule=rule)
            continue
        wording = _read_wording(fields, lang, concept_id)
        if wording is not None:
            wordings[lang] = wording
    if not concept_id or not wordings:
        return None
    return Concept(concept_id, fields.line(), wordings)


def _read_wording(fields: FieldReader, lang: str, concept_id: str) -> Wording | None:
    raw = fields.mapping(lang)
    if raw is None:
        return None
    inner = FieldReader(raw, fields.path, fields.problems, where=f"'{concept_id}' {lang}")
    inner.check_keys(WORDING_KEYS)
    use, means = inner.text("use"), inner.text("means")
    avoid: list[str] = []
    listed = inner.sequence("avoid", required=False)
    if listed is not None:
        avoid = _read_avoid(listed, inner)
    for stem in avoid:
        if use and _stem_pattern(stem).search(use):
            inner.problems.error(fields.path, inner.line("avoid"),
                                 f"'{concept_id}' {lang}: the word to use, '{use}', contains '{stem}', "
                                 "which it says to avoid")
    return Wording(use, tuple(avoid), means) if use else None


def _read_avoid(listed: LineList, fields: FieldReader) -> list[str]:
    stems = []
    for index, stem in enumerate(listed):
        if not isinstance(stem, str) or len(stem.strip()) < 3:
            fields.problems.error(fields.path, listed.line_of(index),
                                  f"'avoid' entries are words or stems of at least three letters, not '{stem}'")
            continue
        stems.append(stem.strip())
    return stems


def _report_clashes(concepts: list[Concept], path: Path, problems: ProblemList) -> None:
    """A word one concept says to use must not be a variant another says to avoid: the checker would warn forever."""
    for concept in concepts:
        for lang, wording in concept.wordings.items():
            for other in concepts:
                if other is concept or lang not in other.wordings:
                    continue
                for stem in other.wordings[lang].avoid:
                    if _stem_pattern(stem).search(wording.use):
                        problems.error(path, other.line,
                                       f"'{other.id}' {lang} avoids '{stem}', but '{concept.id}' says to use "
                                       f"'{wording.use}'")
