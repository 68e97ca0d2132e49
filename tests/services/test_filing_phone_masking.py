"""A filing's contact phone is masked by the one rule of backend/lib/masking.py, landlines included."""
from datetime import timedelta

from backend.extensions import db
from backend.lib import clock
from backend.lib.masking import mask_phone
from backend.models import Person
from backend.services.filing import filings


def _file_with_phone(person_id: int, phone: str):
    slots = {"category": "posted_worker", "treatment_area": "320500", "materials": "commitment_letter",
             "phone": phone, "start_date": (clock.today() + timedelta(days=9)).isoformat(), "principal": "self"}
    filing = filings.submit_filing(db.session.get(Person, person_id), slots, channel="test", submit_key=None)
    db.session.commit()
    return filing


def test_it_masks_a_shenzhen_landline_like_every_other_phone_it_shows(app, people, today):
    with app.app_context():
        filing = _file_with_phone(people.worker, "0755-12345678")
        assert filing.contact_phone_masked == mask_phone("0755-12345678") == "075*****5678"
        assert filings.summary(filing)["contact_phone"] == "075*****5678"


def test_it_masks_a_mobile_number_as_the_person_saw_it_offered(app, people, today):
    with app.app_context():
        filing = _file_with_phone(people.worker, "13800138000")
        assert filing.contact_phone_masked == "138****8000"
