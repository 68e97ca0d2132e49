"""The one owner of a transaction: a use case opens a unit of work, and only the unit of work commits.

    with unit_of_work():        # commits when the block ends; rolls back and re-raises if it raises
        ...

    @transactional              # the same, around a whole use case
    def cancel_filing(...): ...

A unit of work opened inside another joins it: the outermost one commits. A use case called by another use case
(the chat's turn cancelling a filing, the demo loader submitting filings) is therefore part of its caller's
transaction: the filing, its decision, the outbox row and the audit row commit together or not at all. Views,
adapters and worker handlers never commit; they call a use case. `grep -rn "commit()" backend/` finds the commit
here (and in the migrations).

`separately=True` is for the few steps that must be visible at once whatever the caller does (claiming a one-time
key, recording a WeChat message before the slow turn): they run in a unit of work of their own, which is refused
inside another one rather than silently committing the caller's half-done work.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from backend.extensions import db

T = TypeVar("T")
_DEPTH = "unit_of_work_depth"


def active() -> bool:
    """Whether a unit of work is open on this session (the caller will commit)."""
    return db.session.info.get(_DEPTH, 0) > 0


@contextmanager
def unit_of_work(*, separately: bool = False) -> Iterator[None]:
    """Commit what the block did when it ends (the outermost block), roll back if it raises."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    if depth and separately:
        raise RuntimeError("a separate unit of work cannot be opened inside another one")
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        info[_DEPTH] = depth


def transactional(function: Callable[..., T]) -> Callable[..., T]:
    """Run the whole use case in a unit of work."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs) -> T:
        with unit_of_work():
            return function(*args, **kwargs)

    return wrapper


def discard() -> None:
    """Throw away what the open unit of work did so far (a failed step the use case recovers from)."""
    db.session.rollback()
