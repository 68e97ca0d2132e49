"""Designated medical institutions and the services they are networked for."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, SmallInteger, String, event, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from backend.extensions import db
from backend.lib import pinyin, search_keys

LEVELS = ("3A", "3B", "3", "2A", "2", "1", "none")
KINDS = ("hospital", "clinic", "pharmacy")
SERVICES = ("inpatient", "outpatient", "chronic", "pharmacy")


class Institution(db.Model):
    """A hospital, clinic or pharmacy, networked per service for direct settlement."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    # The co-ordination area (pool) the institution belongs to, and its county/district.
    area_code: Mapped[str] = mapped_column(String(6), ForeignKey("areas.code"))
    district_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("areas.code"))
    level: Mapped[str] = mapped_column(String(4))
    # 3A = 0 ... none = 6, so "best level first" is an index order (see lib/search_keys.py).
    level_rank: Mapped[int] = mapped_column(SmallInteger, default=lambda ctx: _rank_default(ctx))
    kind: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # One flag per service: a hospital networked for inpatient only cannot settle
    # an outpatient visit, a frequent failure at the window.
    net_inpatient: Mapped[bool] = mapped_column(Boolean, default=False)
    net_outpatient: Mapped[bool] = mapped_column(Boolean, default=False)
    net_chronic: Mapped[bool] = mapped_column(Boolean, default=False)
    net_pharmacy: Mapped[bool] = mapped_column(Boolean, default=False)
    # Precomputed search keys: full pinyin and initials of the name, lower case.
    name_pinyin: Mapped[str] = mapped_column(String(512), default="")
    name_initials: Mapped[str] = mapped_column(String(128), default="")
    is_sample: Mapped[bool] = mapped_column(Boolean, default=True)
    # The short names people use ("协和", "市一院"), ";"-separated: reference data, imported with the row.
    aliases: Mapped[str] = mapped_column(String(256), default="", server_default="")

    diseases: Mapped[list["InstitutionDisease"]] = relationship(cascade="all, delete-orphan")

    @validates("name")
    def _keep_pinyin_keys(self, _key: str, name: str) -> str:
        self.name_pinyin, self.name_initials = pinyin.keys(name)
        return name

    @validates("level")
    def _keep_level_rank(self, _key: str, level: str) -> str:
        self.level_rank = search_keys.level_rank(level)
        return level

    @property
    def services(self) -> list[str]:
        """Return the names of the services this institution is networked for."""
        return [s for s in SERVICES if getattr(self, f"net_{s}")]


class InstitutionDisease(db.Model):
    """A chronic disease an institution is networked to settle."""

    __tablename__ = "institution_diseases"

    institution_code: Mapped[str] = mapped_column(
        ForeignKey("institutions.code", ondelete="CASCADE"), primary_key=True
    )
    disease_code: Mapped[str] = mapped_column(ForeignKey("diseases.code"), primary_key=True, index=True)


class InstitutionNameKey(db.Model):
    """An n-gram that occurs in some institution name of an area at a level (a coarse search index)."""

    __tablename__ = "institution_name_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    key: Mapped[str] = mapped_column(String(8), primary_key=True)
    level_rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6), primary_key=True)


def _rank_default(ctx) -> int:
    return search_keys.level_rank(ctx.get_current_parameters().get("level", "none"))


def name_key_rows(records) -> set[tuple[str, int, str]]:
    """Return the (key, level_rank, area_code) cells that institution records need."""
    cells = set()
    for r in records:
        rank = search_keys.level_rank(r["level"])
        cells.update((k, rank, r["area_code"]) for k in search_keys.name_keys(
            r["name"], r.get("name_pinyin") or "", r.get("name_initials") or ""))
    return cells


def store_name_keys(conn, cells) -> None:
    """Insert name-key cells that do not exist yet (both dialects support ON CONFLICT DO NOTHING)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not cells:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    table = InstitutionNameKey.__table__
    rows = [{"key": k, "level_rank": r, "area_code": a} for k, r, a in sorted(cells)]
    stmt = insert(table).on_conflict_do_nothing(index_elements=["key", "level_rank", "area_code"])
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start:start + 5000])


def rebuild_name_keys(conn, area_codes) -> None:
    """Recompute the name keys of some areas exactly, dropping stale ones (after renames or deletions)."""
    table = InstitutionNameKey.__table__
    for area in sorted(set(area_codes)):
        conn.execute(table.delete().where(table.c.area_code == area))
        names = conn.execute(select(
            Institution.name, Institution.name_pinyin, Institution.name_initials, Institution.level,
            Institution.area_code,
        ).where(Institution.area_code == area)).mappings()
        store_name_keys(conn, name_key_rows(names))


def refresh_planner_statistics() -> None:
    """Update the planner's statistics (and on PostgreSQL the visibility map) after a bulk load.

    Without statistics SQLite guesses, and may read a whole level in name order rather
    than the few areas a search needs. On PostgreSQL, VACUUM also marks the new pages
    all-visible, which lets name searches check a cell's names in the index alone
    (index-only scans) instead of visiting thousands of scattered rows; autovacuum would
    get there later, or never where it is switched off.
    """
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE institutions"))
            conn.execute(text("ANALYZE institution_name_keys"))
        return
    # VACUUM cannot run inside a transaction block.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) institutions, institution_name_keys, institution_diseases"))


# Rows written through the ORM (tests, staff edits) get their keys here; bulk loaders
# (import and the generator) write keys themselves, batch by batch.
@event.listens_for(Institution, "after_insert")
@event.listens_for(Institution, "after_update")
def _index_name(_mapper, conn, inst: Institution) -> None:
    store_name_keys(conn, name_key_rows([{
        "name": inst.name, "name_pinyin": inst.name_pinyin, "name_initials": inst.name_initials,
        "level": inst.level, "area_code": inst.area_code,
    }]))


@event.listens_for(Institution, "after_delete")
def _forget_name(_mapper, conn, inst: Institution) -> None:
    rebuild_name_keys(conn, [inst.area_code])


Index("ix_institutions_area_district", Institution.area_code, Institution.district_code)
# An area's rows in the order of a page (level, then name): a page reads ~per_page rows
# of the index instead of the whole area (up to 17,000 rows, scattered over the table).
# With the code and the initials in it, a name query checks a (level, area) cell's names
# and initials in the index alone (an index-only scan on PostgreSQL once vacuumed).
Index("ix_institutions_area_rank_name", Institution.area_code, Institution.level_rank, Institution.name,
      Institution.code, Institution.name_initials)
# The same per service, holding only the networked rows: "pharmacies in Lhasa" must not
# step over the area's 6,000 hospitals and clinics first. The condition is spelt as each
# dialect renders `WHERE net_x` (SQLite: `net_x = 1`) so both planners can use the index.
for _service in SERVICES:
    Index(f"ix_institutions_area_{_service}", Institution.area_code, Institution.level_rank, Institution.name,
          postgresql_where=text(f"net_{_service}"), sqlite_where=text(f"net_{_service} = 1"))
del _service
Index("ix_institutions_rank_name", Institution.level_rank, Institution.name)
Index("ix_institutions_lat_lon", Institution.latitude, Institution.longitude)
