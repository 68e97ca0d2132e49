"""The six filing categories (DOMAIN.md), defined once: models, rules, schemas, imports, the console and
the dialogs all read these (a leaf module: it imports nothing, so anything may import it).

The first three are long-term filings (resettled retirees, long-term residents, posted workers), the
other three temporary (referrals, emergencies, other temporary trips).
"""
LONG_TERM_CATEGORIES = ("retiree_resettled", "long_term_resident", "posted_worker")
TEMPORARY_CATEGORIES = ("referral", "emergency", "other_temporary")
CATEGORIES = LONG_TERM_CATEGORIES + TEMPORARY_CATEGORIES
