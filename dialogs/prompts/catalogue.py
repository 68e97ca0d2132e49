"""The words that are not the assistant's prompts: one catalogue per language, beside that language's prompts.

`prompts/zh_CN/words.yaml` and `prompts/en/words.yaml` hold every other sentence and label a person or a reviewer
reads: the API's and pages' messages, the pages' words, the rules' reasons, the console's labels, the review's
reason texts, notifications. Each is grouped by the namespace of the code that shows it. So each language has one
home, `dialogs/prompts/<lang>/`: its prompt files and its catalogue. `tests/test_words_catalogue.py` checks that
both languages have the same keys and the same {placeholders}.

Code that used to keep (zh_CN, English) pairs reads them from here with `pairs(namespace)`; a single sentence is
`word(namespace, key, lang, **params)`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
LANGUAGES = ("zh_CN", "en")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, dict[str, str]]:
    """namespace -> key -> sentence, for one language (read once per process)."""
    with open(HERE / lang / "words.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def pairs(namespace: str) -> dict[str, tuple[str, str]]:
    """key -> (zh_CN, English) for one namespace, in the catalogue's order."""
    zh, en = catalogue("zh_CN")[namespace], catalogue("en")[namespace]
    return {key: (text, en[key]) for key, text in zh.items()}


def word(namespace: str, key: str, lang: str = "zh_CN", **params) -> str:
    """One sentence in the person's language, its {placeholders} filled (left as written if one is missing)."""
    text = catalogue("en" if lang.startswith("en") else "zh_CN")[namespace][key]
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text


def both(namespace: str, key: str, sep: str = " ") -> str:
    """The Chinese and the English side by side, as the staff console shows its labels ("用户名 Username")."""
    return f"{word(namespace, key, 'zh_CN')}{sep}{word(namespace, key, 'en')}"
