"""Question types, each one unit in its own module (see base.py), and the registry that names them.

To add a type: write its module and its template ``templates/questions/<name>.html``, test it,
and add it to ``KINDS`` below — nothing else in the app changes.
"""

from __future__ import annotations

from .base import KINDS, Answer, Question, QuestionKind
from .choices import MultipleChoice, SingleChoice
from .match import Match
from .number import FillInTheNumber
from .order import Order
from .true_false import TrueFalse

KINDS.update({
    kind.name: kind for kind in (SingleChoice(), MultipleChoice(), TrueFalse(), Order(), Match(), FillInTheNumber())
})

__all__ = ["KINDS", "Answer", "Question", "QuestionKind"]
