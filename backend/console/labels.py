"""Words for the codes stored in the database, so reviewers read labels and never internal codes.

One filter, `label(code, kind)`, serves every console template. Vocabularies the person also reads
keep their existing homes (the prompt names for categories, materials and relations; the check
labels; the short review reasons; the acts of the activity page); the ones only the console shows
are listed here, zh_CN first and English second.
"""
from __future__ import annotations

from dialogs.prompts import has_prompt, render_prompt
from dialogs.prompts.catalogue import pairs

# The words themselves live in dialogs/prompts/<lang>/words.yaml (one home per language).
SCHEMES = pairs("label.schemes")
EMPLOYMENT = pairs("label.employment")
# The area rules' reimbursement table: who a rule is for, at which hospitals, for which care.
PERSON_STATUSES = {**EMPLOYMENT, "any": ("不限", "anyone")}
RULE_LEVELS = pairs("label.rule_levels")
VISITS = pairs("label.visits")
INSURANCE = pairs("label.insurance")
CONTRIBUTIONS = pairs("label.contributions")
DECISION_MODES = pairs("label.decision_modes")
CHANNELS = pairs("label.channels")
ACTOR_KINDS = pairs("label.actor_kinds")
CONSENT_STATES = pairs("label.consent_states")
# Acts on a filing that the person's activity page does not name (services/filing/activity.py names the rest).
FILING_ACTS = pairs("label.filing_acts")
_TABLES = {"scheme": SCHEMES, "employment": EMPLOYMENT, "insurance": INSURANCE, "contribution": CONTRIBUTIONS,
           "decision_mode": DECISION_MODES, "channel": CHANNELS, "actor": ACTOR_KINDS,
           "consent": CONSENT_STATES, "person_status": PERSON_STATUSES, "rule_level": RULE_LEVELS,
           "visit": VISITS}
# Kinds whose words are the prompt names the person reads (dialogs/prompts/<lang>/names.j2).
_PROMPT_NAMES = {"category": "category", "material": "material", "relation": "relation"}


def label(code, kind: str, lang: str = "zh_CN") -> str:
    """Return the words for a stored code of one kind; a code nobody named is shown as it is."""
    if code is None or code == "":
        return "—"
    code = str(code)
    which = 1 if lang.startswith("en") else 0
    if kind in _TABLES:
        return _TABLES[kind].get(code, (code, code))[which]
    if kind in _PROMPT_NAMES:
        prompt_id = f"names.{_PROMPT_NAMES[kind]}_{code}"
        return render_prompt(prompt_id, {}, lang) if has_prompt(prompt_id, lang) else code
    if kind == "act":
        from backend.services.filing.activity import ACTIONS

        return (FILING_ACTS.get(code) or ACTIONS.get(code) or (code, code))[which]
    if kind == "check":
        return _check(code, which)
    if kind == "disease":
        from backend.services.data.reference_data import disease_names

        return disease_names(lang).get(code, code)
    if kind == "reason":
        return _reason(code, which)
    raise ValueError(f"unknown label kind {kind!r}")


def _check(code: str, which: int) -> str:
    from backend.services.console.review import CHECK_LABELS

    if code not in CHECK_LABELS:
        return code
    # "证明材料 documents": the Chinese words come first, the English after the first space.
    zh, _, en = CHECK_LABELS[code].partition(" ")
    return en if which and en else zh


def _reason(code: str, which: int) -> str:
    """Return a decision's reason: a review template's short words, a check's label, or free text as written."""
    from backend.services.console.review_reasons import SHORT

    if code in SHORT:
        return SHORT[code]
    return _check(code, which)
