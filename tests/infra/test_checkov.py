"""checkov's policy checks on the Bicep templates and the workflows: nothing fails, every skip says why."""

import json
import subprocess
from functools import cache
from typing import Any

import pytest

from tests.fixtures.needs import missing
from tests.infra.bicep import ROOT

CHECKOV = ROOT / ".venv-infra" / "bin" / "checkov"
TARGETS = {"bicep": "infra", "github_actions": ".github/workflows"}


@cache
def report(framework: str) -> dict[str, Any]:
    if not CHECKOV.exists():
        missing(f"{CHECKOV} is absent; run `make infra-check` to create .venv-infra")
    result = subprocess.run(
        [str(CHECKOV), "--directory", TARGETS[framework], "--framework", framework, "--skip-download", "-o", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert result.stdout, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize("framework", sorted(TARGETS))
def test_checkov_parses_every_file_and_fails_no_check(framework: str) -> None:
    summary = report(framework)["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    failed = report(framework)["results"]["failed_checks"]
    assert summary["failed"] == 0, [(c["check_id"], c["resource"], c["file_path"]) for c in failed]


def test_every_suppression_carries_its_reason() -> None:
    skipped = report("bicep")["results"]["skipped_checks"]
    assert skipped
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert reason != "No comment provided"
        assert len(reason.split()) >= 8, f"{check['check_id']} on {check['resource']}: {reason!r}"
