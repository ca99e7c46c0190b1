"""What every question type is made of, and the question itself.

A question type (a *kind*) is one class in one module of this package, the way CTFd keeps each
challenge type in one class: it reads and checks its own YAML, draws its options for an attempt,
builds its form fields, turns what the form sent back into an answer, judges it, describes
answers for the educators' insights, and names the template that renders it on the site and in
the mirror (``templates/questions/<kind>.html``). Adding a kind means one module, one
template, its tests, and one line in the registry (``questions/__init__.py``).

Option values in a form never say anything about the answer: each option is sent as an
opaque token made from the attempt's draw (``questions/draw.py``), not as the author's id.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wtforms import Field
from wtforms.fields.choices import SelectChoice

from ..content.fields import FieldReader
from ..content.yaml_lines import LineDict, LineList, excerpt

# What a form delivers for one question, once decoded: a choice id (single, true/false, number),
# several choice ids (multiple), or a mapping of item/prompt id to position/answer id (order, match).
Answer = str | Sequence[str] | Mapping[str, str] | None
# Makes the opaque value an option is sent as, from the question's id and the option's own id.
Token = Callable[[str, str], str]


@dataclass(frozen=True)
class Question:
    """One question of a quiz: what every kind has, and the kind's own data in ``spec``."""

    id: str
    kind: QuestionKind
    text: str
    explain: str
    line: int
    spec: Any
    section: int | None = None
    group: str | None = None

    @property
    def type(self) -> str:
        """The kind's name, as written in the quiz file (templates and reports compare it)."""
        return self.kind.name

    def shape(self) -> tuple[object, ...]:
        """What a translation must keep identical: id, kind, its ids and right answers, section and group."""
        return (self.id, self.kind.name, self.kind.shape(self), self.section, self.group)


@dataclass(frozen=True)
class Option:
    """One thing shown to pick or place: the author's id, its text, and the opaque value it is sent as."""

    id: str
    text: str
    value: str


@dataclass(frozen=True)
class Shown:
    """How one question looks in one attempt: its options in the drawn order (and, for match, the prompts)."""

    options: tuple[Option, ...] = ()
    prompts: tuple[Option, ...] = ()

    def option_by_value(self, value: object) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True)
class Part:
    """One select of an order or match question: its field, its label, and the item or prompt it is for."""

    field_name: str
    label: str
    part_id: str


@dataclass(frozen=True)
class PatternFacts:
    """What the checker needs to spot a quiz that can be passed by pattern instead of understanding."""

    right_positions: tuple[int, ...] = ()      # where the right choices are, as written (0-based)
    right_is_longest: bool | None = None       # single choice: is the right one the longest text?
    choice_count: int | None = None            # how many choices a choice question offers
    true_false: bool | None = None             # the answer of a true/false statement


@dataclass
class FieldSet:
    """The form fields of one question in one attempt: one field, or one per item or prompt."""

    fields: dict[str, Field] = field(default_factory=dict)
    parts: tuple[Part, ...] = ()


class QuestionKind:
    """One question type. Subclasses implement every method; the base says what each must do."""

    name: ClassVar[str] = ""
    # Whether every learner gives exactly one answer (so the answers add up to those who answered).
    one_answer_each: ClassVar[bool] = False
    keys: ClassVar[tuple[str, ...]] = ()

    def __reduce__(self) -> tuple[Callable[[str], QuestionKind], tuple[str]]:
        """Kept and read back (the lesson cache, worker processes) as the one registered kind of its name."""
        return kind_named, (self.name,)

    @property
    def template(self) -> str:
        """The template with this kind's macros: ``field``, ``result``, ``self_check`` and ``answer``."""
        return f"questions/{self.name}.html"

    def parse(self, fields: FieldReader, question_id: str) -> Any | None:
        """Read the kind's own keys (``fields`` holds the whole question); report problems; None when broken."""
        raise NotImplementedError

    def shape(self, question: Question) -> tuple[object, ...]:
        """The kind's ids and right answers, which a translation must keep."""
        raise NotImplementedError

    def texts(self, question: Question) -> dict[str, str]:
        """Every text of the question's options by a stable key (for finding untranslated ones)."""
        return {}

    def show(self, question: Question, rng: random.Random, token: Token) -> Shown:
        """The question as one attempt shows it: options shuffled by ``rng``, each with its opaque value."""
        return Shown()

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        """The WTForms fields for this question in this attempt, named ``name`` (and ``name_1``… for parts)."""
        raise NotImplementedError

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        """What the learner answered, in the author's ids, from the validated fields' ``data``."""
        raise NotImplementedError

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        """Whether ``answer`` is right, and short keys of what was answered (for the anonymous counters)."""
        raise NotImplementedError

    def right_keys(self, question: Question) -> set[str]:
        """The answer keys that are right (wrong ones are the rest)."""
        return set()

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        """A made-up learner's answer (``course-app stats generate``): the right one, or a wrong one.

        The default answers nothing, which ``judge`` counts as wrong.
        """
        return None

    def describe(self, question: Question, key: str, labels: Mapping[str, str]) -> str:
        """An answer key in the quiz's own words, for educators (``labels`` holds "true"/"false")."""
        return key

    def facts(self, question: Question) -> PatternFacts:
        """What the guessable-quiz checks need to know about this question."""
        return PatternFacts()


def select_choices(pairs: Sequence[tuple[str, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms wants choices given (labels may be lazy translations)."""
    return [SelectChoice(value, label) for value, label in pairs]


def listed_entries(fields: FieldReader, entries: LineList, what: str, shape_hint: str, keys: Sequence[str],
                   question_id: str) -> Iterator[tuple[int, str, FieldReader]]:
    """Each ``- id: …`` entry of a question's list (choices, items, pairs): its line, id and a reader of its keys.

    An entry that is not a mapping, an unknown key and a repeated id are reported at their line;
    the entries with a repeated id are still given, so that the rest of the question is checked.
    """
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        line = entries.line_of(index)
        if not isinstance(raw, LineDict):
            fields.problems.error(fields.path, line, f"each {what} is {shape_hint}")
            continue
        entry = FieldReader(raw, fields.path, fields.problems, where=f"the {what} on line {line}")
        entry.check_keys(keys)
        entry_id = entry.identifier("id", what=what)
        if entry_id in seen:
            fields.problems.error(fields.path, line,
                                  f"duplicate {what} id '{excerpt(entry_id)}' in question '{excerpt(question_id)}'")
        seen.add(entry_id)
        yield line, entry_id, entry


# Every registered question kind by name, filled by ``course_app/questions/__init__.py`` (which Python
# runs before this module, whenever this module is imported).
KINDS: dict[str, QuestionKind] = {}


def kind_named(name: str) -> QuestionKind:
    """The registered question kind called ``name``."""
    return KINDS[name]
