"""The soak benchmark in a short form: real gunicorn, mixed channels, 0 errors, no memory growth."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sixty_people_file_through_the_api_and_the_official_account_without_an_error(backend):
    done = subprocess.run([sys.executable, "benchmarks/soak.py", "--users", "60", "--concurrency", "8",
                           "--max-seconds", "300", "--backend", backend],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "60/60 users completed a filing" in done.stdout and "errors 0" in done.stdout
