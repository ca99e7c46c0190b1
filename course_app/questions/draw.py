"""Drawing an attempt: which questions a quiz asks this time, and in what order their options come.

A draw is made from a seed, so the same seed always gives the same attempt: a form shown again
with an error keeps its order, and an answer is graded against exactly what was shown. The seed
travels in the form with a MAC (the server's key), so a learner cannot pick the draw that asks
the questions they like. Option values are made from the seed too: they change with every draw
and say nothing about which answer is right.

- A reader without a session gets the day's draw, shared with every other reader that day, so
  the quiz page is the same for all of them and can be served from memory.
- A learner gets a draw of their own, kept with their session and replaced after every attempt:
  a retry asks again, in a new order — and, with ``ask:``, other questions.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass

from ..content.quiz import Quiz
from .base import Question, Shown

SEED_BYTES = 8


@dataclass(frozen=True)
class Draw:
    """One attempt's questions (in the order asked) and how each is shown."""

    seed: str
    token: str
    questions: tuple[Question, ...]
    shown: dict[str, Shown]


def quiz_key(quiz: Quiz) -> str:
    """What names a quiz across its languages: its course and lesson folders."""
    return f"{quiz.path.parent.parent.name}/{quiz.path.parent.name}"


def _mac(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode(), "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def new_seed() -> str:
    """A learner's own draw."""
    return secrets.token_hex(SEED_BYTES)


def day_seed(day_number: int) -> str:
    """The draw every reader without a session shares on one day (days since 1970, UTC)."""
    return f"day{day_number}"


def draw_quiz(quiz: Quiz, seed: str, secret: str) -> Draw:
    """The attempt ``seed`` makes of ``quiz`` (the same in every language, since translations keep the ids)."""
    key = quiz_key(quiz)
    rng = random.Random(_mac(secret, "draw", key, seed))
    asked = quiz.ask.choose(quiz.questions, rng) if quiz.ask is not None else quiz.questions

    def token(question_id: str, option_id: str) -> str:
        return "v" + _mac(secret, "option", key, seed, question_id, option_id)[:10]

    shown = {question.id: question.kind.show(question, random.Random(_mac(secret, "show", key, seed, question.id)),
                                             token) for question in asked}
    return Draw(seed, f"{seed}.{_mac(secret, 'token', key, seed)[:16]}", tuple(asked), shown)


def seed_from_token(quiz: Quiz, token: str | None, secret: str) -> str | None:
    """The seed a form's token names, or None if the token was not made here for this quiz."""
    if not token or token.count(".") != 1:
        return None
    seed, mac = token.split(".")
    expected = _mac(secret, "token", quiz_key(quiz), seed)[:16]
    if not (seed and hmac.compare_digest(mac, expected)):
        return None
    return seed


def draw_from_token(quiz: Quiz, token: str | None, secret: str) -> Draw | None:
    """The draw a form's token names, or None if the token was not made here for this quiz."""
    seed = seed_from_token(quiz, token, secret)
    return None if seed is None else draw_quiz(quiz, seed, secret)
