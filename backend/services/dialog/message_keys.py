"""Applied once: every client message id of a dialog session, with the reply it got.

A phone that lost its answer sends the same `message_id` again, sometimes after the
person has gone on (a flaky connection flushing its queue, WeChat re-sending a message).
Comparing with the last message only would apply such a late "1 确认提交" to whatever
step is current. So each id a session applied is stored with its reply: a repeat is
answered with that reply and changes nothing.

The row is the last write of its turn's transaction (as the WeChat MsgId record is), so
a concurrent duplicate that got past the lookup fails on the unique key and its whole
turn is undone; written last, it does not lengthen the time SQLite's write lock is held.

Rows are kept KEEP (3 days), the same as the WeChat MsgId records and pruned by the same
daily command: WeChat re-sends within 15 seconds and a phone retries when it is back
online, while after three days the turn's `version` has long moved on.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select

from backend.extensions import db
from backend.lib import clock
from backend.models.dialogs import DialogMessageKey
from backend.services.unit_of_work import transactional

KEEP = timedelta(days=3)


def original_reply(session_id: int, message_key: str | None) -> dict | None:
    """Return the reply this session gave to message_key, or None when it is new (or there is no key)."""
    if not message_key:
        return None
    return db.session.connection().execute(_REPLY_OF, {"session": session_id, "key": message_key}).scalar()


_KEYS = DialogMessageKey.__table__
# Built once: asked on every turn that carries a message id (every WeChat message, most API turns).
_REPLY_OF = select(_KEYS.c.reply).where(_KEYS.c.session_id == bindparam("session"),
                                        _KEYS.c.message_key == bindparam("key"))
_REMEMBER = insert(_KEYS)


def remember(session_id: int, message_key: str, reply: dict) -> None:
    """Record message_key as applied in the current transaction (IntegrityError when it already was)."""
    db.session.connection().execute(_REMEMBER, {"session_id": session_id, "message_key": message_key, "reply": reply,
                                                "created_at": clock.now()})


@transactional
def prune(keep: timedelta = KEEP) -> int:
    """Delete message ids older than keep (a use case of its own: the daily command)."""
    removed = db.session.execute(delete(DialogMessageKey).where(DialogMessageKey.created_at < clock.now() - keep))
    return removed.rowcount or 0
