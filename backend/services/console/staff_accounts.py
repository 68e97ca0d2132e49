"""Staff accounts for the console: creation, sign-in (argon2id + optional TOTP), roles and area scope."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, select, update

from backend.extensions import db
from backend.lib import clock
from backend.models import Area, StaffLoginFailure, StaffUser
from backend.models.staff import ROLES
from backend.services.filing import audit
from backend.lib.errors import DomainError
from backend.services.unit_of_work import transactional, unit_of_work
from dialogs.prompts.catalogue import pairs

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 12
ROLE_NAMES = pairs("label.roles")


class StaffAccountError(DomainError):
    """An account cannot be created or changed as asked."""

    code, status = "staff_account_invalid", 400


class LoginFailed(DomainError):
    """Wrong username, password or code; deliberately not saying which."""

    code, status = "staff_login_failed", 401


class StaffForbidden(DomainError):
    """The staff member's role or areas do not allow this."""

    code, status = "staff_forbidden", 403


def audit_now(action: str, **fields):
    """Record an audit entry stamped by the service clock, like the act it records (frozen in tests)."""
    entry = audit.record(action, **fields)
    entry.at = clock.now()
    return entry


@dataclass(frozen=True)
class NewAccount:
    """A created account and, when TOTP was asked for, its provisioning URI (shown once)."""

    staff: StaffUser
    totp_uri: str | None


def _hasher() -> PasswordHasher:
    # argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes) in real use; tests
    # use a cheap profile so hundreds of sign-ins stay fast. The parameters travel inside each hash.
    if current_app and current_app.config.get("TESTING"):
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher().hash(password)


def _pool_codes(codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return set(db.session.scalars(select(Area.code).where(Area.code.in_(codes), Area.is_pool.is_(True))))


@transactional
def create_staff(username: str, password: str, role: str, area_codes: list[str], *,
                 display_name: str = "", with_totp: bool = False, created_by: str = "cli") -> NewAccount:
    """Create a staff account (validating username, password, role and areas) in one unit of work."""
    username = (username or "").strip().lower()
    areas = sorted({c.strip() for c in area_codes if c and c.strip()})
    if not USERNAME_RE.match(username):
        raise StaffAccountError("staff_username_invalid", username=username)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffAccountError("staff_password_too_short", minimum=MIN_PASSWORD_LENGTH)
    if role not in ROLES:
        raise StaffAccountError("staff_role_invalid", role=role, roles=", ".join(ROLES))
    unknown = sorted(set(areas) - _pool_codes(areas))
    if unknown:
        raise StaffAccountError("staff_areas_invalid", areas=", ".join(unknown))
    if role != "auditor" and not areas:
        raise StaffAccountError("staff_areas_required", role=role)
    if db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.username) == username)):
        raise StaffAccountError("staff_username_taken", username=username)
    secret = pyotp.random_base32() if with_totp else None
    staff = StaffUser(username=username, display_name=(display_name or username)[:64],
                      password_hash=hash_password(password), role=role,
                      area_codes=[] if role == "auditor" else areas, totp_secret=secret, active=True)
    db.session.add(staff)
    db.session.flush()
    audit_now("staff.created", actor_kind="system", actor_id=None, subject_type="staff",
                 subject_id=str(staff.id), channel=created_by, role=role, areas=staff.area_codes, totp=with_totp)
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="异地就医备案 console") if secret else None
    return NewAccount(staff, uri)


@transactional
def set_password(username: str, password: str) -> StaffUser:
    """Replace a staff member's password (which also ends their open sessions) in one unit of work."""
    staff = _by_username(username)
    if staff is None:
        raise StaffAccountError("staff_not_found", username=username)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffAccountError("staff_password_too_short", minimum=MIN_PASSWORD_LENGTH)
    staff.password_hash = hash_password(password)
    audit_now("staff.password_set", actor_kind="system", actor_id=None, subject_type="staff",
                 subject_id=str(staff.id), channel="cli")
    return staff


@transactional
def set_active(username: str, active: bool) -> StaffUser:
    """Enable or disable an account (a disabled account's sessions end at the next request); one unit of work."""
    staff = _by_username(username)
    if staff is None:
        raise StaffAccountError("staff_not_found", username=username)
    staff.active = active
    audit_now("staff.enabled" if active else "staff.disabled", actor_kind="system", actor_id=None,
                 subject_type="staff", subject_id=str(staff.id), channel="cli")
    return staff


def list_staff() -> list[StaffUser]:
    """Return every staff account, by username."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def _by_username(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.username) == (username or "").strip().lower()))


# Verifying against a fixed hash when the username is unknown keeps the answer time the same,
# so response times do not tell which usernames exist.
_DUMMY_HASHES: dict[bool, str] = {}


def _dummy_hash() -> str:
    testing = bool(current_app.config.get("TESTING"))
    if testing not in _DUMMY_HASHES:
        _DUMMY_HASHES[testing] = _hasher().hash("not-a-real-password")
    return _DUMMY_HASHES[testing]


def _totp_ok(staff: StaffUser, code: str) -> bool:
    if not staff.totp_secret:
        return True
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    now = clock.now()
    for drift in (0, -1, 1):  # one 30-second step either way, for phones whose clock is a little off
        counter = totp.timecode(now) + drift
        if totp.generate_otp(counter) == code:
            if staff.totp_last_counter is not None and counter <= staff.totp_last_counter:
                return False  # a replayed code
            staff.totp_last_counter = counter
            return True
    return False


def authenticate(username: str, password: str, totp_code: str = "", *, address: str = "") -> StaffUser:
    """Return the active account the credentials name (auditing the attempt), or raise LoginFailed.

    The audit of a failed attempt is kept: it commits before LoginFailed is raised.
    """
    staff = _by_username(username)
    hasher = _hasher()
    try:
        hasher.verify(staff.password_hash if staff else _dummy_hash(), password or "")
        password_ok = staff is not None
    except (VerificationError, InvalidHashError):
        password_ok = False
    ok = password_ok and staff.active and _totp_ok(staff, totp_code)
    if not ok:
        with unit_of_work():
            audit_now("staff.login_failed", actor_kind="staff", actor_id=staff.id if staff else None,
                      subject_type="staff", subject_id=(username or "")[:64], channel="console", address=address)
        raise LoginFailed()
    with unit_of_work():
        if hasher.check_needs_rehash(staff.password_hash):
            staff.password_hash = hasher.hash(password)
        staff.last_login_at = clock.now()
        audit_now("staff.login", actor_kind="staff", actor_id=staff.id, subject_type="staff",
                  subject_id=str(staff.id), channel="console", address=address)
    return staff


def login_limited(keys_and_limits: list[tuple[str, str]]) -> bool:
    """Say whether any key ("addr:…", "user:…") already failed as often as its limit ("10/minute") allows.

    Without Redis each worker's rate limiter counts alone, so two workers let twice the documented
    attempts through; failures counted in the shared database hold across workers and instances.
    """
    from limits import parse_many

    now = clock.now()
    for key, limit in keys_and_limits:
        for item in parse_many(limit):
            since = now - timedelta(seconds=item.get_expiry())
            failed = db.session.scalar(select(func.count()).select_from(StaffLoginFailure).where(
                StaffLoginFailure.key == key[:128], StaffLoginFailure.at > since))
            if failed >= item.amount:
                return True
    return False


@transactional
def record_login_failure(keys: list[str]) -> None:
    """Count a failed sign-in against each key, forgetting failures older than a day (one unit of work)."""
    now = clock.now()
    db.session.execute(delete(StaffLoginFailure).where(StaffLoginFailure.key.in_([k[:128] for k in keys]),
                                                       StaffLoginFailure.at < now - timedelta(days=1)))
    db.session.add_all(StaffLoginFailure(key=k[:128], at=now) for k in keys)


def session_key(staff: StaffUser) -> str:
    """Return a fingerprint of the password hash and the session generation.

    A new password or a sign-out (which bumps the generation) ends every open session, including
    a copy of the cookie taken before.
    """
    material = f"{staff.password_hash}:{staff.session_generation or 0}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def staff_for_session(staff_id: int | None, key: str | None) -> StaffUser | None:
    """Return the active account a session names, if its password has not changed since sign-in."""
    if not staff_id:
        return None
    staff = db.session.get(StaffUser, staff_id)
    if staff is None or not staff.active or session_key(staff) != key:
        return None
    return staff


@transactional
def record_logout(staff: StaffUser) -> None:
    """End the account's console sessions server-side (a new generation) and audit the sign-out."""
    db.session.execute(update(StaffUser).where(StaffUser.id == staff.id)
                       .values(session_generation=StaffUser.session_generation + 1))
    audit_now("staff.logout", actor_kind="staff", actor_id=staff.id, subject_type="staff",
                 subject_id=str(staff.id), channel="console")


# Scope: the insured area reviews a filing (DOMAIN.md 1.3: the insured place's rule wins), so a
# reviewer's areas are insured areas. Auditors read every area and change nothing.
def can_view_area(staff: StaffUser, area_code: str) -> bool:
    """Return whether the staff member may see an area's cases, rules and figures."""
    return staff.role == "auditor" or area_code in (staff.area_codes or [])


def can_decide(staff: StaffUser, area_code: str) -> bool:
    """Return whether the staff member may decide filings insured in an area."""
    return staff.role == "reviewer" and area_code in (staff.area_codes or [])


def can_edit_policy(staff: StaffUser, area_code: str) -> bool:
    """Return whether the staff member may change an area's rules."""
    return staff.role == "area_admin" and area_code in (staff.area_codes or [])


def visible_areas(staff: StaffUser) -> list[str] | None:
    """Return the area codes the staff member sees, or None for all (auditors)."""
    return None if staff.role == "auditor" else list(staff.area_codes or [])


def require(allowed: bool, **params) -> None:
    """Raise StaffForbidden unless allowed."""
    if not allowed:
        raise StaffForbidden(**params)
