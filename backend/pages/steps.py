"""Large text asks one question per screen: a form's questions in order, the earlier answers kept.

Two shapes, the same idea:
- ``SessionSteps`` for a POST form (CSRF-protected FlaskForm): each screen posts ``step`` and its one field;
  the answers wait in the signed session (a personal number encrypted first, never in the page) until the
  last screen calls the same service the combined form calls.
- ``QuerySteps`` for a GET form (a look-up): the answers so far travel as hidden fields; the first question
  not yet in the query string is the one shown; when all are there the same service runs.
Normal text keeps the combined forms; neither shape holds business rules of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import session

from backend import messages
from backend.lib import crypto


class SessionSteps:
    """The questions of one POST form, one per screen, their answers kept in the session."""

    def __init__(self, key: str, order: tuple[str, ...], secret: tuple[str, ...] = ()):
        self.key, self.order, self.secret = f"m_steps_{key}", order, secret

    def draft(self) -> dict:
        """Return the answers given so far (decrypted)."""
        raw = session.get(self.key)
        if not isinstance(raw, dict):
            return {}
        answers = dict(raw)
        for name in self.secret:
            if answers.get(name):
                try:
                    answers[name] = crypto.cipher().decrypt(answers[name])
                except ValueError:
                    answers.pop(name)
        return answers

    def keep(self, name: str, value) -> None:
        """Remember one answer (a secret one encrypted)."""
        raw = dict(session.get(self.key) or {})
        raw[name] = crypto.cipher().encrypt(value) if name in self.secret and value else value
        session[self.key] = raw

    def clear(self) -> None:
        """Forget the answers (done, or starting again)."""
        session.pop(self.key, None)

    def current(self, requested: str | None) -> str:
        """Return the requested screen if it is one of the questions, else the first."""
        return requested if requested in self.order else self.order[0]

    def after(self, name: str) -> str | None:
        index = self.order.index(name)
        return self.order[index + 1] if index + 1 < len(self.order) else None

    def before(self, name: str) -> str | None:
        index = self.order.index(name)
        return self.order[index - 1] if index > 0 else None

    def number(self, name: str) -> int:
        """Return the screen's number, from 1."""
        return self.order.index(name) + 1


@dataclass
class QuerySteps:
    """The questions of one GET form, one per screen: the first one not yet answered is shown."""

    order: tuple[str, ...]
    args: dict = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(name in self.args for name in self.order)

    def step(self, bad: str | None = None, problem: bool = False) -> str | None:
        """Return the question to show: the one answered wrongly, else the first unanswered, else None."""
        if bad in self.order:
            return bad
        for name in self.order:
            if name not in self.args:
                return name
        return self.order[0] if problem else None

    def carried(self, step: str | None) -> list[tuple[str, str]]:
        """The answers to carry as hidden fields on the screen asking ``step``."""
        return [(name, self.args.get(name, "")) for name in self.order if name != step and name in self.args]

    def back(self, step: str | None) -> dict | None:
        """The query of the screen before ``step`` (its own answer left out, the earlier ones kept)."""
        if step not in self.order or self.order.index(step) == 0:
            return None
        index = self.order.index(step) - 1
        return {name: self.args.get(name, "") for name in self.order[:index] if name in self.args}

    def number(self, step: str) -> int:
        return self.order.index(step) + 1


def step_problem(form, step: str, message: str) -> str | None:
    """Check a one-question screen: its CSRF token and its own field only (the others are asked elsewhere)."""
    from backend.pages.base import language

    form.validate()
    if "csrf_token" in form.errors:
        return messages.text("form_expired", language())
    return message if step in form.errors else None


def csrf_problem(form) -> str | None:
    """Say the page is out of date when a screen's CSRF token is missing or wrong."""
    return step_problem(form, "csrf_token", "")
