"""One owner of a transaction: the unit of work commits, nested units join the outer one, and nothing else commits."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import UsedOnceKey
from backend.services.unit_of_work import active, transactional, unit_of_work

ROOT = Path(__file__).resolve().parent.parent.parent
LATER = datetime.now(timezone.utc) + timedelta(hours=1)


def _keys() -> set[str]:
    # Read on another connection: what is committed, not what this session holds.
    with db.engine.connect() as connection:
        return set(connection.scalars(select(UsedOnceKey.key).where(UsedOnceKey.key.like("uow-%"))))


def test_the_outer_unit_commits_once_and_a_nested_one_joins_it(app):
    with app.app_context():
        with unit_of_work():
            db.session.add(UsedOnceKey(key="uow-outer", expires_at=LATER))
            with unit_of_work():
                db.session.add(UsedOnceKey(key="uow-inner", expires_at=LATER))
                assert active()
            assert _keys() == set()  # the inner block ended, nothing is committed yet
        assert _keys() == {"uow-outer", "uow-inner"}
        assert not active()


def test_an_error_rolls_back_everything_the_outer_unit_did_including_a_nested_unit(app):
    with app.app_context():
        with pytest.raises(ValueError):
            with unit_of_work():
                db.session.add(UsedOnceKey(key="uow-a", expires_at=LATER))
                with unit_of_work():
                    db.session.add(UsedOnceKey(key="uow-b", expires_at=LATER))
                raise ValueError("a rule refused")
        assert _keys() == set()
        assert db.session.scalar(select(func.count()).select_from(UsedOnceKey).where(
            UsedOnceKey.key.like("uow-%"))) == 0
        assert not active()


def test_a_transactional_use_case_called_by_another_is_part_of_its_transaction(app):
    @transactional
    def inner():
        db.session.add(UsedOnceKey(key="uow-use-case", expires_at=LATER))

    with app.app_context():
        with pytest.raises(RuntimeError):
            with unit_of_work():
                inner()
                raise RuntimeError("the caller failed after the inner use case")
        assert _keys() == set()
        inner()
        assert _keys() == {"uow-use-case"}


def test_a_separate_unit_refuses_to_run_inside_another(app):
    with app.app_context():
        with unit_of_work(separately=True):
            db.session.add(UsedOnceKey(key="uow-alone", expires_at=LATER))
        assert _keys() == {"uow-alone"}
        with pytest.raises(RuntimeError):
            with unit_of_work():
                with unit_of_work(separately=True):
                    pass
        assert not active()


def _commits_outside_the_unit_of_work(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "backend").rglob("*.py")):
        if "migrations" in path.parts or path.name == "unit_of_work.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_nothing_in_the_backend_commits_but_the_unit_of_work():
    assert _commits_outside_the_unit_of_work(ROOT) == []


def test_the_commit_finder_finds_a_commit(tmp_path):
    (tmp_path / "backend" / "views").mkdir(parents=True)
    (tmp_path / "backend" / "views" / "page.py").write_text("def save():\n    db.session.commit()\n")
    assert _commits_outside_the_unit_of_work(tmp_path) == ["backend/views/page.py:2"]
