import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tsunami_works_with_a_swapped_in_user_model():
    env = {**os.environ, "TSUNAMI_TEST_DB_NAME": os.environ.get("TSUNAMI_TEST_DB_NAME", "tsunami")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/customuser/swapped_checks.py",
            "--ds=tests.settings_custom_user",
            "-p",
            "no:randomly",
            "-q",
            "--no-cov",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
