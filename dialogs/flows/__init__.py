"""The flows: importing this package registers every flow and checks it against the prompt files.

A flow that names a prompt no language defines fails here, at start-up, not in
front of a person at 2 a.m.
"""
from dialogs import engine, prompts
# Order matters: a settlement question naming a disease, then "will it settle / how much", then a
# question about a hospital, are tried before the broader filing trigger sees 结算 or 住院 in them.
from dialogs.flows import chronic, settlement, institution, filing  # noqa: F401,I001

_missing = engine.check_prompts(lambda pid: all(
    prompts.has_prompt(pid, lang) and prompts.has_prompt(pid, lang, large=True) for lang in prompts.LANGUAGES
))
if _missing:
    raise RuntimeError(f"flows refer to undefined prompts: {', '.join(_missing)}")
