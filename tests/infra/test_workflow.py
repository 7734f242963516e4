"""The deployment workflow: tests first, OIDC sign-in without secrets, a what-if before production changes."""

import json
import os
import shutil
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


# The majors that run on Node 24 (GitHub deprecated the Node 20 runtime of older majors): actions/setup-python's
# README ("Breaking changes in V6"), Azure/setup-azd 2.3.0's release notes (checkout@v6, upload-artifact@v7).
CURRENT_MAJORS = {
    "actions/checkout": 6,
    "actions/setup-python": 6,
    "actions/setup-node": 6,
    "actions/upload-artifact": 7,
    "Azure/setup-azd": 2,
}


def steps_using(action: str) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow()["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").split("@")[0] == action
    ]


def test_every_action_is_a_current_major() -> None:
    used = {step["uses"] for job in workflow()["jobs"].values() for step in job["steps"] if "uses" in step}
    assert used
    for reference in used:
        action, _, version = reference.partition("@")
        assert action in CURRENT_MAJORS, f"{action} has no known current major"
        assert int(version.removeprefix("v").split(".")[0]) >= CURRENT_MAJORS[action], reference


def test_python_is_3_13_and_node_is_22_everywhere() -> None:
    assert [step["with"]["python-version"] for step in steps_using("actions/setup-python")] == ["3.13"] * 3
    assert [step["with"]["node-version"] for step in steps_using("actions/setup-node")] == ["22"] * 2


def test_no_variable_decides_when_the_event_subscriptions_are_created() -> None:
    text = WORKFLOW.read_text()
    assert "CREATE_EVENT_SUBSCRIPTION" not in text
    assert "EVENT_SUBSCRIPTIONS_PASS:" not in text


def environment_step(job: str) -> str:
    (step,) = [s for s in workflow()["jobs"][job]["steps"] if "azd env refresh" in s.get("run", "")]
    assert step["env"] == {"REPOSITORY_VARIABLES": "${{ toJSON(vars) }}"}
    script: str = step["run"]
    return script


@pytest.mark.parametrize("job", ["preview", "deploy"])
def test_jobs_that_provision_start_from_the_last_deployment_and_the_repository_variables(job: str) -> None:
    commands = runs(workflow()["jobs"][job])
    assert commands.index("azd auth login") < commands.index("azd env refresh") < commands.index("azd provision")
    assert environment_step(job) == environment_step("deploy")


def test_repository_variables_reach_azd_only_when_main_parameters_names_them(tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        missing("jq is not installed (GitHub's ubuntu runners have it)")
    calls = tmp_path / "calls"
    azd = tmp_path / "azd"
    azd.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1 $2" != "env refresh" ]\n')
    azd.chmod(0o755)
    variables = {
        "RECORDING_FORMAT": "mp3",
        "ALERT_EMAIL": "ops@example.com",
        "EVENT_SUBSCRIPTIONS_PASS": "true",
        "UNRELATED": "x",
        "MONTHLY_BUDGET": "",
    }
    result = subprocess.run(
        ["sh", "-e", "-c", environment_step("deploy")],
        cwd=ROOT,
        env={
            **os.environ,
            "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
            "REPOSITORY_VARIABLES": json.dumps(variables),
            "AZURE_ENV_NAME": "prod",
            "AZURE_LOCATION": "westeurope",
            "AZURE_SUBSCRIPTION_ID": "0000",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "first" in result.stdout
    assert calls.read_text().splitlines() == [
        "env new prod --location westeurope --subscription 0000 --no-prompt",
        "env refresh --no-prompt",
        "env set ALERT_EMAIL ops@example.com",
        "env set RECORDING_FORMAT mp3",
    ]
