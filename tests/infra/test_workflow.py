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
    assert jobs["preview"]["needs"] == ["test", "core-tools", "bicep"]
    assert "azd provision --preview" in runs(jobs["preview"])
    assert jobs["deploy"]["needs"] == "preview"


def test_the_e2e_suite_runs_under_core_tools_4_where_its_absence_is_a_failure() -> None:
    job = workflow()["jobs"]["core-tools"]
    assert (job["env"]["CI"], job["env"]["REQUIRE_CORE_TOOLS"]) == ("true", "true")
    commands = runs(job)
    assert "npm install --global" in commands
    assert "azure-functions-core-tools@4." in commands
    assert commands.index("azure-functions-core-tools@4.") < commands.index("tests/e2e/test_core_tools.py")
    assert "make setup" in commands
    test_core_tools = (ROOT / "tests" / "e2e" / "test_core_tools.py").read_text()
    assert '["func", "start"' in test_core_tools
    assert 'REQUIRED = "REQUIRE_CORE_TOOLS"' in test_core_tools


def test_every_template_is_compiled_and_linted_by_the_bicep_cli() -> None:
    commands = runs(workflow()["jobs"]["bicep"])
    assert "az bicep install" in commands
    for verb in ("build", "lint"):
        assert f'az bicep {verb} --file "$file"' in commands
        assert f"for file in infra/main.bicep infra/app/*.bicep; do\n  az bicep {verb}" in commands
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "infra").rglob("*.bicep")}
    assert on_disk == {"infra/main.bicep"} | {p for p in on_disk if p.startswith("infra/app/") and p.count("/") == 2}


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
