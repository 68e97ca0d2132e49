"""The words of the pages by key (the words: dialogs/prompts/<lang>/words.yaml; the assistant's: the prompt files)."""
from __future__ import annotations

from dialogs.prompts import render_prompt
from dialogs.prompts.catalogue import pairs

# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
WORDS: dict[str, tuple[str, str]] = pairs("page")


def word(key: str, lang: str = "zh_CN", **params) -> str:
    """Return the page word for a key in a language, with parameters filled in."""
    zh, en = WORDS.get(key, (key, key))
    template = en if str(lang).startswith("en") else zh
    return template.format(**params) if params else template


def relation(code: str, lang: str = "zh_CN") -> str:
    """Return a relation's name (母亲, son ...) from the assistant's names."""
    return render_prompt(f"names.relation_{code or 'other'}", {}, lang)


def category(code: str, lang: str = "zh_CN") -> str:
    """Return a person category's name (常驻异地工作人员 ...)."""
    return render_prompt(f"names.category_{code}", {}, lang)
