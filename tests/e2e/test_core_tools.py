"""The same app and the same end-to-end tests under Azure Functions Core Tools (`func start`), where installed.

The `core-tools` job of .github/workflows/deploy.yml installs Core Tools 4 and runs this test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import BASE_SETTINGS, MAX_CHUNK_SECONDS, TIME_SCALE, external_info, start_stack
from tests.fixtures.needs import flag, missing

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# Set by the GitHub workflow job that installs Core Tools: there, a missing `func` is a failure.
REQUIRED = "REQUIRE_CORE_TOOLS"
NO_CORE_TOOLS = (
    "Azure Functions Core Tools 4 (`func`) is not on PATH. It cannot be installed on machines without access to "
    "its CDN (its npm package downloads the host from there), so this stays a skip even under CI=true; the e2e "
    "suite ran on the local host instead. The `core-tools` job of .github/workflows/deploy.yml installs it and "
    f"sets {REQUIRED}=true, which makes its absence a failure."
)


def test_the_recording_flow_tests_pass_against_func_start(tmp_path: Path) -> None:
    required = flag(REQUIRED)
    if shutil.which("func") is None:
        missing(NO_CORE_TOOLS, required=required)
    if external_info() is not None:
        missing("the suite already runs against an external host (E2E_FUNCTIONS_URL is set)", required=required)
    stack = start_stack(
        tmp_path,
        {**BASE_SETTINGS, "CALLBACK_AUTH_DISABLED": "false"},
        host_command=["func", "start", "--port", "{port}"],
        time_scale=TIME_SCALE,
        files_ready_delay=0.3,
        max_chunk_seconds=MAX_CHUNK_SECONDS,
    )
    try:
        env = {
            **os.environ,
            "E2E_FUNCTIONS_URL": stack.info["functionsUrl"],
            "E2E_FUNCTION_KEY": "",
            "E2E_EMULATOR_URL": stack.info["emulatorUrl"],
            "E2E_CA_BUNDLE": stack.info["caBundle"],
            "E2E_STORAGE_CONNECTION_STRING": stack.info["storageConnectionString"],
        }
        tests = ["tests/e2e/test_recording_flow.py", "tests/e2e/test_delivery.py", "-k", "not function_key"]
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", *tests], cwd=ROOT, env=env, check=False)
        assert result.returncode == 0
    finally:
        stack.stop()
