"""The deployment workflow: tests first, OIDC sign-in without secrets, a what-if before production changes."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.needs import missing
from tests.infra.bicep import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
INFRA_VENV = ROOT / ".venv-infra" / "bin"


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_workflow_stores_no_secret() -> None:
    assert "secrets." not in WORKFLOW.read_text()


def test_only_jobs_that_sign_in_may_request_an_oidc_token() -> None:
    assert workflow()["permissions"] == {"contents": "read"}
    for name, job in workflow()["jobs"].items():
        signs_in = "azd auth login" in runs(job)
        assert (job.get("permissions", {}).get("id-token") == "write") == signs_in, name


def test_sign_in_uses_github_federated_credentials() -> None:
    for job in workflow()["jobs"].values():
        if "azd auth login" in runs(job):
            assert "--federated-credential-provider github" in " ".join(runs(job).split())


def test_tests_then_what_if_then_deploy() -> None:
    jobs = workflow()["jobs"]
    assert "make test" in runs(jobs["test"])
    assert jobs["preview"]["needs"] == "test"
    assert "azd provision --preview" in runs(jobs["preview"])
    assert jobs["deploy"]["needs"] == "preview"


def test_production_changes_wait_for_the_production_environment_on_main() -> None:
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["environment"] == "production"
    assert "refs/heads/main" in deploy["if"]
    assert "pull_request" in deploy["if"]
    assert runs(deploy).index("azd provision") < runs(deploy).index("azd deploy")


def schema_checker() -> Path:
    checker = INFRA_VENV / "check-jsonschema"
    if not checker.exists():
        missing(f"{checker} is absent; run `make infra-check` to create .venv-infra")
    return checker


@pytest.mark.parametrize("path", sorted((ROOT / ".github" / "workflows").glob("*.y*ml")), ids=lambda p: p.name)
def test_every_workflow_matches_the_github_workflow_schema(path: Path) -> None:
    checker = schema_checker()
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    checker = schema_checker()
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
