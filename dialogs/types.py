"""Plain data passed between the engine, the flows and the backend."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from dialogs.nlu import Gazetteer


@dataclass(frozen=True)
class Choice:
    """A numbered option: the slot value it stands for and the prompt id of its label."""

    value: str
    label: str
    params: dict = field(default_factory=dict)
    # Submitting, signing or cancelling: channels must make this a deliberate tap on its own
    # button (never a form's default, never Enter), and the engine never infers it from text
    # other than the choice's own number or label.
    irreversible: bool = False


@dataclass(frozen=True)
class Reply:
    """One message to show: a prompt id with parameters, and the choices it offers."""

    prompt: str
    params: dict = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()


# Effects: what the engine asks the backend to do, as data.
@dataclass(frozen=True)
class SubmitFiling:
    """Submit the confirmed filing; submit_key makes a repeated submit find the same filing."""

    slots: dict
    submit_key: str


@dataclass(frozen=True)
class RequestCallback:
    """Record a request for a staff call-back, with the step the person was stuck on (and a number to call)."""

    flow: str
    step: str
    phone: str | None = None


@dataclass(frozen=True)
class SetLargeText:
    """Switch the person's presentation to large text (elder mode) or back."""

    on: bool


@dataclass(frozen=True)
class ShowFilings:
    """List the filings of the person (and of members they act for), or of one principal.

    `who`: the question was who filed it and when, so that comes first. `interject`: asked inside a
    flow, so the list is shown before the step's question is asked again.
    """

    principal: str | None = None
    who: bool = False
    interject: bool = False
    papers: bool = False  # the question was about papers ("材料够不够"): say what each filing needs


@dataclass(frozen=True)
class SetLanguage:
    """Reply in this language from now on (stored on the person, so every channel follows)."""

    lang: str


@dataclass(frozen=True)
class BindIdentity:
    """Bind the WeChat user to an insured person (same checks and limits as the API's bind)."""

    name: str
    id_number: str
    insured_area: str


@dataclass(frozen=True)
class CheckInstitution:
    """Explain whether the visit would settle at the chosen institution, and record the choice."""

    principal: str
    code: str
    visit: str
    disease: str | None = None
    on: str | None = None  # the visit date (ISO) the person gave; today when None
    interject: bool = True  # the verdict comes before the next steps offered after it


@dataclass(frozen=True)
class CheckChronic:
    """Evaluate the four conditions of chronic-disease direct settlement and explain them."""

    principal: str
    disease: str
    area: str
    on: str | None = None  # the visit date (ISO) the person gave; today when None


@dataclass(frozen=True)
class CheckSettlement:
    """Predict direct settlement at an institution (and estimate the split when an amount was given)."""

    principal: str
    code: str
    visit: str
    disease: str | None = None
    amount: str | None = None
    on: str | None = None  # the visit date (ISO) the person gave; today when None
    interject: bool = True  # the verdict comes before the next steps offered after it


@dataclass(frozen=True)
class CancelFiling:
    """Cancel a filing the person explicitly confirmed (the backend checks access and the lock again)."""

    principal: str
    reference: str


@dataclass(frozen=True)
class ChangeFiling:
    """Replace a filing by a new version with these fields changed (treatment_area, start_date, category)."""

    principal: str
    reference: str
    changes: dict


@dataclass(frozen=True)
class InstitutionHit:
    """An institution as a flow shows it."""

    code: str
    name: str
    level: str
    services: tuple[str, ...]
    distance_km: float | None = None


@dataclass(frozen=True)
class DiseaseEntry:
    """A chronic disease and the words people use for it."""

    code: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """The result of one turn: the new state, what to say, and what to do."""

    state: "DialogState"  # noqa: F821  (dialogs.engine.DialogState; engine imports this module)
    replies: tuple[Reply, ...]
    effects: tuple = ()


@dataclass(frozen=True)
class Member:
    """A family member the user may act for (consent given)."""

    person_id: int
    relation: str
    name_masked: str


class Lazy(Sequence):
    """A tuple read only when a step first looks at it (most turns never ask who the members are).

    Behaves as the tuple its loader returns: iterate, len(), bool(), index; loaded at most once.
    """

    __slots__ = ("_load", "_items")

    def __init__(self, load: Callable[[], tuple]):
        self._load, self._items = load, None

    def _all(self) -> tuple:
        if self._items is None:
            self._items = tuple(self._load())
        return self._items

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __eq__(self, other) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, Sequence) else other)

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Lazy({self._all()!r})" if self._items is not None else "Lazy(<not read>)"


@dataclass(frozen=True)
class ActiveFiling:
    """A pending or approved filing of a principal, as the dialog needs to mention it."""

    reference: str
    category: str
    treatment_area_code: str
    start_date: date
    end_date: date | None
    lock_until: date | None
    filed_by: str  # "self" or the relation of the relative who filed it
    filed_by_name_masked: str
    submitted_on: date
    status: str


@dataclass(frozen=True)
class AreaRules:
    """The insured area's filing rules the dialog needs to ask the right questions."""

    area_code: str
    categories_offered: tuple[str, ...]
    materials: dict  # category -> tuple of alternatives (tuples of material codes)
    commitment_letter_categories: tuple[str, ...]
    temporary_validity_months: int
    referral_validity_months: int
    emergency_late_filing_days: int
    change_lock_months: int


def _none(*_args) -> Any:
    return None


@dataclass(frozen=True)
class Context:
    """What the engine may know about the world, supplied by the backend for one turn."""

    today: date
    gazetteer: Gazetteer
    session_key: str = "test"
    bound: bool = True
    self_insured_area: str | None = None
    self_phone_masked: str | None = None
    self_retired: bool = False
    members: tuple[Member, ...] | Lazy = ()  # a Lazy in the app: read from the database when first asked
    large_text: bool = False
    lang: str = "zh_CN"
    rules_for: Callable[[str], AreaRules | None] = _none
    filings_for: Callable[[str], tuple[ActiveFiling, ...]] = lambda _principal: ()
    insured_area_of: Callable[[str], str | None] = _none  # principal key -> insured pool code
    filed_area_of: Callable[[str], str | None] = _none  # principal key -> treatment area of the approved filing
    # (area, service, disease, district, page, per_page, location) -> (hits, has_more)
    find_institutions: Callable[..., tuple[tuple[InstitutionHit, ...], bool]] = lambda **_: ((), False)
    diseases: tuple[DiseaseEntry, ...] = ()
    location: tuple[float, float] | None = None  # the mini-program's latitude/longitude, when sent
    # The filing rules' own answers (backend/rules/filing_decision.py), so the conversation never keeps
    # limits of its own. (principal key, slots so far) -> ("one_long_term" | "no_overlap", filing) or None.
    conflict_for: Callable[[str, dict], tuple[str, ActiveFiling] | None] = lambda _principal, _slots: None
    # (principal key, slots so far) -> the day before which the filing could not be changed or cancelled.
    lock_until_for: Callable[[str, dict], date | None] = lambda _principal, _slots: None
    # (principal key, category, start, end) -> None when the filing rules accept the dates, else the failed
    # check's params (earliest, latest, in_past, too_far, end_before_start, end_beyond_validity...).
    date_problem: Callable[[str, str | None, date, date | None], dict | None] = lambda *_: None
    # An ID number as typed -> None when valid, else the reason code (backend/lib/idnumber.py decides).
    check_id_number: Callable[[str], str | None] = lambda _number: "id_number_shape"
    # Institutions named in free text (dialogs/nlu_institutions.InstitutionNames), and the areas of
    # every filing of the person and the members they act for (pending ones included).
    institution_names: object | None = None
    filing_areas: Callable[[], tuple[str, ...]] = lambda: ()


def to_jsonable(value):
    """Return value with dataclasses turned into dicts (for logs and API answers)."""
    if hasattr(value, "__dataclass_fields__"):
        return {"type": type(value).__name__, **asdict(value)}
    return value
