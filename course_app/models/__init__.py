"""Every model, imported here so Alembic and the app see the whole schema."""

from .answers import AnswerTally
from .learner import Learner
from .progress import LessonProgress, QuizProgress

__all__ = ["AnswerTally", "Learner", "LessonProgress", "QuizProgress"]
