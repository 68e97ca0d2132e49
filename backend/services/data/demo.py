"""DEMO people for `load-demo`: fictional persons with checksum-valid, made-up ID numbers."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.extensions import db
from backend.lib import idnumber
from backend.models import FamilyLink, Person, Qualification, WeChatIdentity
from backend.models._types import utcnow
from backend.services.unit_of_work import transactional

# (dev openid, ID number prefix, name, insured area, scheme, employment status).
# The ID numbers are generated with a valid check digit but belong to nobody.
DEMO_PEOPLE = [
    ("demo-wang-xiuying", "21010219580312002", "王秀英", "210100", "employee", "retired"),
    ("demo-zhang-wei", "21010219850607001", "张伟", "210100", "employee", "working"),
    ("demo-li-qiang", "34010219900115003", "李强", "340100", "employee", "working"),
    ("demo-zhao-min", "13100219600820004", "赵敏", "131000", "employee", "retired"),
    ("demo-liu-fang", "21010219780902002", "刘芳", "210100", "resident", "working"),
]


def demo_id_number(prefix17: str) -> str:
    """Return a checksum-valid ID number for a 17-digit demo prefix."""
    return prefix17 + idnumber.check_digit(prefix17)


@transactional
def load_demo_people() -> int:
    """Create the demo persons, their dev WeChat identities, a family link and a qualification (one unit of work)."""
    people = {}
    for openid, prefix, name, area, scheme, status in DEMO_PEOPLE:
        number = demo_id_number(prefix)
        person = db.session.scalar(select(Person).where(Person.id_number_hash == Person.hash_for(number)))
        if person is None:
            person = Person(name=name, insured_area_code=area, scheme=scheme, employment_status=status, is_demo=True)
            person.set_id_number(number)
            person.set_phone("1380000" + prefix[-4:])
            db.session.add(person)
            db.session.flush()
        people[openid] = person
        if db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == openid)) is None:
            db.session.add(WeChatIdentity(app_id="dev", openid=openid, person_id=person.id))
    mother, son = people["demo-wang-xiuying"], people["demo-zhang-wei"]
    link = db.session.scalar(
        select(FamilyLink).where(FamilyLink.agent_person_id == son.id, FamilyLink.member_person_id == mother.id)
    )
    if link is None:
        db.session.add(FamilyLink(agent_person_id=son.id, member_person_id=mother.id, relation="mother",
                                  agent_relation="son", consent_state="consented", consented_at=utcnow()))
    if not db.session.scalar(select(Qualification).where(Qualification.person_id == mother.id)):
        db.session.add(Qualification(person_id=mother.id, disease_code="hypertension", insured_area_code="210100",
                                     certified_on=date(2024, 3, 1), valid_until=None))
    return len(people)
