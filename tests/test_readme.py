"""The README is a page a newcomer finishes, and it leads to every guide in docs/."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#]+)(#[^)]*)?\)")


def _sections(text: str) -> list[str]:
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def test_the_readme_stays_under_12_kb():
    assert len(README.read_bytes()) <= 12 * 1024


def test_the_readme_starts_with_the_two_commands_then_says_how_to_talk_to_it():
    text = README.read_text(encoding="utf-8")
    sections = _sections(text)
    assert sections[:2] == ["Quick start", "Talking to the assistant"]
    assert {"Architecture", "Configuration", "Where to read more"} <= set(sections)
    quick_start = text.split("## Quick start", 1)[1]
    assert 0 <= quick_start.index("make run") < quick_start.index("make test")


def test_every_link_in_the_readme_and_the_guides_reaches_a_file():
    broken = []
    for page in [README, *(ROOT / "docs").glob("*.md")]:
        for target, _anchor in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith("http"):
                continue
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_readme_leads_to_every_guide():
    linked = {(ROOT / target).resolve() for target, _ in LINK.findall(README.read_text(encoding="utf-8"))}
    guides = set((ROOT / "docs").glob("*.md"))
    assert guides, "docs/ holds the guides"
    unlisted = {g.name for g in guides if g.resolve() not in linked}
    assert unlisted == set(), "add a line for each to the README's 'Where to read more' table"
