"""Reason codes to the sentence a person reads, in their language (the words: dialogs/prompts/<lang>/words.yaml)."""
from __future__ import annotations

from dialogs.prompts.catalogue import pairs

# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
MESSAGES: dict[str, tuple[str, str]] = pairs("message")


def text(code: str, lang: str = "zh_CN", **params) -> str:
    """Return the sentence for a reason code in the given language, with its parameters filled in."""
    zh, en = MESSAGES.get(code, MESSAGES["bad_request"])
    template = en if lang.startswith("en") else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
