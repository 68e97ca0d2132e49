"""Each prompt block renders on its own (dialogs/prompts renders one block with a context of its own, without
the file's other blocks), so no prompt may call another block through self. or super(): t() is the way."""
import re
from pathlib import Path

PROMPTS = Path(__file__).resolve().parents[2] / "dialogs" / "prompts"


def test_no_prompt_calls_another_block_of_its_file():
    calls = re.compile(r"{[{%][^}]*\b(self\.|super\(\))")
    found = [f"{path.relative_to(PROMPTS)}:{number}"
             for path in sorted(PROMPTS.glob("*/*.j2"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if calls.search(line)]
    assert found == []
    assert calls.search("{{ self.other() }}") and calls.search("{% if super() %}")  # the pattern finds them
