"""Fixtures several web test modules share."""
from __future__ import annotations

import pytest

from backend.services.data import reference_data
from tests.support.console import create_staff, pending_filing


@pytest.fixture()
def sample(app, people, today):
    """The sample institutions (labelled sample data) in the test database."""
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)


@pytest.fixture()
def case(app, people, today):
    """The worker's Hefei filing, waiting for review, and a Hefei reviewer to look at it."""
    with app.app_context():
        create_staff("reviewer-hefei")
        return pending_filing(people.worker)
