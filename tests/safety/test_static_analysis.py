"""bandit finds nothing of medium or high severity in the application code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow


def test_bandit_is_clean_at_medium_severity() -> None:
    bandit = Path(sys.executable).parent / "bandit"
    result = subprocess.run([str(bandit), "-r", "course_app", "-ll", "-q", "-f", "custom", "--msg-template",
                             "{relpath}:{line}: {test_id} {severity} {msg}"],
                            cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
