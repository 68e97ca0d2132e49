"""The words: prompt files per language, rendered from prompt ids.

A prompt id `filing.ask_phone` is the block `ask_phone` of `prompts/<lang>/filing.j2`;
its large-text (elder mode) variant is the block `ask_phone__large`. Templates may
call `t("names.category_posted_worker")` to render another prompt in the same language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from datetime import date

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, Undefined
from jinja2.runtime import new_context

from dialogs.types import Reply, Step

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
HERE = Path(__file__).resolve().parent
LARGE_MAX_CHARS = 120
LARGE_MAX_CHOICES = 4


@dataclass(frozen=True)
class RenderedChoice:
    """A numbered choice as shown: its number, its label and the value it stands for."""

    number: int
    label: str
    value: str
    irreversible: bool = False


@dataclass(frozen=True)
class Rendered:
    """A step in words: the text (choices included) and the choices separately."""

    text: str
    choices: tuple[RenderedChoice, ...]
    messages: tuple[str, ...]


class _Lenient(Undefined):
    """Missing parameters render empty so one absent value never breaks a reply."""

    def __str__(self) -> str:
        return ""


@lru_cache(maxsize=None)
def _day(iso, lang: str, year: bool = False) -> str:
    """An ISO date as people read it: 12月15日 / 15 Dec (with the year when asked: another year's date)."""
    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if lang.startswith("en"):
        return d.strftime("%-d %b %Y" if year else "%-d %b")
    return f"{d.year}年{d.month}月{d.day}日" if year else f"{d.month}月{d.day}日"


@lru_cache(maxsize=None)
def _env(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / lang)), autoescape=False, trim_blocks=True,
        lstrip_blocks=True, undefined=_Lenient, keep_trailing_newline=False,
        auto_reload=False,  # the prompt files do not change while the app runs: no stat() per render
    )
    env.globals["t"] = lambda prompt_id, **params: render_prompt(prompt_id, params, lang)
    env.filters["day"] = lambda iso, year=False: _day(iso, lang, year)
    return env


def _block(prompt_id: str, lang: str, large: bool):
    family, _, name = prompt_id.partition(".")
    try:
        template = _env(lang).get_template(f"{family}.j2")
    except TemplateNotFound:
        return None, None
    if large and f"{name}__large" in template.blocks:
        return template, template.blocks[f"{name}__large"]
    return template, template.blocks.get(name)


def has_prompt(prompt_id: str, lang: str = DEFAULT_LANGUAGE, large: bool = False) -> bool:
    """Return whether the prompt (or its large variant, when asked) is defined."""
    family, _, name = prompt_id.partition(".")
    template, block = _block(prompt_id, lang, large)
    if block is None:
        return False
    return not large or f"{name}__large" in template.blocks


def render_prompt(prompt_id: str, params: dict | None = None, lang: str = DEFAULT_LANGUAGE, large: bool = False) -> str:
    """Render one prompt id to text; an unknown id renders as the id itself (and a test catches it)."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    template, block = _block(prompt_id, lang, large)
    if block is None:
        return prompt_id
    # A context of its own for the one block (template.new_context would copy every block of the file, a
    # hundred and more, on each render); no prompt calls another block (self./super()), they use t().
    context = new_context(template.environment, template.name, {}, dict(params or {}), False, template.globals)
    text = "".join(block(context))
    return re.sub(r"\n{3,}", "\n\n", text.strip())


def render_reply(reply: Reply, lang: str = DEFAULT_LANGUAGE, large: bool = False) -> tuple[str, tuple[RenderedChoice, ...]]:
    """Render a reply and its numbered choices."""
    text = render_prompt(reply.prompt, reply.params, lang, large)
    choices = tuple(
        RenderedChoice(i, render_prompt(c.label, c.params, lang, large), c.value, c.irreversible)
        for i, c in enumerate(reply.choices, start=1)
    )
    if choices:
        lines = [f"{c.number} {c.label}" for c in choices]
        text = text + "\n" + "\n".join(lines)
    return text, choices


def render_step(step: Step, lang: str = DEFAULT_LANGUAGE, large: bool = False) -> Rendered:
    """Render every reply of a step; the choices are those of the last reply that offers some."""
    messages, choices = [], ()
    for reply in step.replies:
        text, offered = render_reply(reply, lang, large)
        if text:
            messages.append(text)
        if offered:
            choices = offered
    return Rendered(text="\n\n".join(messages), choices=choices, messages=tuple(messages))


def prompt_ids(lang: str = DEFAULT_LANGUAGE) -> set[str]:
    """Return every prompt id defined for a language (large variants excluded)."""
    ids = set()
    for path in (HERE / lang).glob("*.j2"):
        template = _env(lang).get_template(path.name)
        ids |= {f"{path.stem}.{b}" for b in template.blocks if not b.endswith("__large")}
    return ids


def check_catalogue() -> list[str]:
    """Return problems: prompts missing in a language, or non-choice prompts without a large variant."""
    problems = []
    reference = prompt_ids(DEFAULT_LANGUAGE)
    for lang in LANGUAGES:
        ids = prompt_ids(lang)
        problems += [f"{lang}: missing {p}" for p in sorted(reference - ids)]
        problems += [f"{lang}: extra {p}" for p in sorted(ids - reference)]
        for prompt in sorted(ids):
            name = prompt.partition(".")[2]
            needs_large = not (name.startswith(("choice_", "field_")) or prompt.startswith("names."))
            if needs_large and not has_prompt(prompt, lang, large=True):
                problems.append(f"{lang}: no large-text variant for {prompt}")
    return problems

