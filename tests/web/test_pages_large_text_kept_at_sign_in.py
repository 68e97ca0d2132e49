"""Large text switched on before signing in stays on after (an elderly user finds the switch once)."""
from __future__ import annotations

from sqlalchemy import select

from tests.support.pages import PageActions


def test_large_text_chosen_before_sign_in_is_kept_for_the_person(app, client, people):
    pages = PageActions(client)
    pages.submit("/m/text-size", {"large": "1", "next": "/m/"})
    pages.sign_in("op-retiree")
    with app.app_context():
        from backend.extensions import db
        from backend.models import Person, WeChatIdentity

        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "op-retiree"))
        assert db.session.get(Person, identity.person_id).large_text is True


def test_signing_in_without_choosing_large_text_leaves_the_persons_setting_alone(app, client, people):
    pages = PageActions(client)
    pages.sign_in("op-retiree")
    with app.app_context():
        from backend.extensions import db
        from backend.models import Person, WeChatIdentity

        identity = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "op-retiree"))
        assert db.session.get(Person, identity.person_id).large_text is False
