"""One home for the words per language: dialogs/prompts/<lang>/ (the prompt files and words.yaml).

The prompt files are checked by tests/dialogs/test_prompts_catalogue.py; this checks the catalogue of every other
sentence and label (messages, pages, rules' reasons, console labels, review reasons) and that the code keeps no
bilingual word tables of its own.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from dialogs.prompts import catalogue as words

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # characters and their punctuation
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|「[^」]*」|\([^)]*\)')  # Chinese a person may type, quoted, or named in brackets


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_zh_cn_and_en_with_the_same_placeholders():
    zh, en = words.catalogue("zh_CN"), words.catalogue("en")
    assert list(zh) == list(en), "the two languages have different namespaces"
    for namespace in zh:
        assert set(zh[namespace]) == set(en[namespace]), namespace
        for key, text in zh[namespace].items():
            assert text.strip(), (namespace, key)  # English may leave a word out ("元" after a figure)
            assert _fields(text) == _fields(en[namespace][key]), (namespace, key)


def test_the_chinese_words_are_chinese_and_the_english_words_are_not():
    for namespace, entries in words.catalogue("zh_CN").items():
        for key, text in entries.items():
            assert CHINESE.search(text), (namespace, key, text)
    for namespace, entries in words.catalogue("en").items():
        for key, text in entries.items():
            assert not CJK.search(QUOTED.sub("", text)), (namespace, key, text)


def test_word_fills_placeholders_in_the_persons_language_and_keeps_the_sentence_if_one_is_missing():
    assert words.word("message", "change_lock", "en", lock_until="2027-01-01").endswith("before 2027-01-01.")
    assert "2027-01-01" in words.word("message", "change_lock", "zh_CN", lock_until="2027-01-01")
    assert "{lock_until}" in words.word("message", "change_lock", "en-GB")
    with pytest.raises(KeyError):
        words.word("message", "no_such_key")


def _bilingual_tables(path: Path) -> list[str]:
    """Module-level dicts whose values are (Chinese, English) pairs: a word table kept outside the catalogue."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Dict) or not value.values:
            continue
        pairs = [v for v in value.values if isinstance(v, ast.Tuple) and len(v.elts) >= 2
                 and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts[-2:])
                 and CJK.search(v.elts[-2].value) and not CJK.search(v.elts[-1].value)]
        if len(pairs) == len(value.values):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_module_keeps_a_bilingual_word_table_of_its_own():
    tables = [t for path in sorted((ROOT / "backend").rglob("*.py")) for t in _bilingual_tables(path)]
    assert tables == []


def test_the_table_finder_finds_a_table(tmp_path):
    module = ROOT / "backend" / "_probe_words.py"
    try:
        module.write_text('NAMES = {"a": ("甲", "A"), "b": ("乙", "B")}\n', encoding="utf-8")
        assert _bilingual_tables(module) == ["backend/_probe_words.py:1"]
    finally:
        module.unlink()
