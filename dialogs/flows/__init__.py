"""The flows: importing this package registers every flow and checks it against the prompt files.

A flow that names a prompt no language defines fails here, at start-up, not in
front of a person at 2 a.m.
"""
from dialogs import flow, prompts
# Which flow a message starts is decided by the intent layer (dialogs/intents.py), not by the flows.
from dialogs.flows import bind, cancel, change, chronic, filing, institution, settlement  # noqa: F401,I001

_missing = flow.check_prompts(lambda pid: all(
    prompts.has_prompt(pid, lang) and prompts.has_prompt(pid, lang, large=True) for lang in prompts.LANGUAGES
))
if _missing:
    raise RuntimeError(f"flows refer to undefined prompts: {', '.join(_missing)}")
