"""The azd hooks (scripts/*.sh), run with a stand-in `azd` on PATH that records each call and the environment it
was called with (azd itself needs an Azure subscription). azd runs hooks with the azd environment's values as
environment variables (https://learn.microsoft.com/azure/developer/azure-developer-cli/azd-extensibility), which is
how the values reach these scripts here too."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.bicep import ROOT

SCRIPTS = ROOT / "scripts"
# Records every call as one line: the arguments, then the pass variables of its environment. `azd env get-value`
# finds only the names listed in STORED; `azd provision` fails while the file FAILURES holds a positive count.
FAKE_AZD = """#!/bin/sh
echo "$* | pass=${EVENT_SUBSCRIPTIONS_PASS:-} by=${EVENT_SUBSCRIPTIONS_PASS_BY:-}" >> "$CALLS"
if [ "$1 $2" = "env get-value" ]; then
  case " ${STORED:-} " in *" $3 "*) echo stored; exit 0 ;; esac
  exit 1
fi
if [ "$1" = provision ] && [ -s "$FAILURES" ]; then
  left=$(cat "$FAILURES")
  if [ "$left" -gt 0 ]; then echo $((left - 1)) > "$FAILURES"; exit 1; fi
fi
exit 0
"""


def run(hook: str, tmp_path: Path, **values: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    azd = bin_dir / "azd"
    azd.write_text(FAKE_AZD)
    azd.chmod(0o755)
    calls = tmp_path / "calls.log"
    calls.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(calls),
        "FAILURES": str(tmp_path / "failures"),
        "EVENT_SUBSCRIPTION_RETRY_SECONDS": "0",
        **values,
    }
    result = subprocess.run(
        ["sh", str(SCRIPTS / f"{hook}.sh")], env=env, capture_output=True, text=True, check=False, timeout=30
    )
    return result, calls.read_text().splitlines()


@pytest.mark.parametrize("hook", ["preprovision", "postdeploy", "predown", "postdown"])
def test_every_hook_is_valid_shell_and_has_a_windows_twin(hook: str) -> None:
    subprocess.run(["sh", "-n", str(SCRIPTS / f"{hook}.sh")], check=True)
    assert (SCRIPTS / f"{hook}.ps1").is_file()


def test_postdeploy_provisions_with_the_subscriptions_set_for_that_pass_only(tmp_path: Path) -> None:
    result, calls = run("postdeploy", tmp_path)
    assert result.returncode == 0, result.stderr
    assert calls == [
        "env get-value EVENT_SUBSCRIPTIONS_PASS | pass= by=",
        "provision --no-prompt | pass=true by=postdeploy",
    ]


def test_postdeploy_retries_while_the_function_is_indexed_then_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "failures").write_text("2\n")
    result, calls = run("postdeploy", tmp_path, EVENT_SUBSCRIPTION_ATTEMPTS="4")
    assert result.returncode == 0
    assert calls.count("provision --no-prompt | pass=true by=postdeploy") == 3
    (tmp_path / "failures").write_text("9\n")
    result, calls = run("postdeploy", tmp_path, EVENT_SUBSCRIPTION_ATTEMPTS="2")
    assert result.returncode == 1
    assert calls.count("provision --no-prompt | pass=true by=postdeploy") == 2
    assert "azd deploy" in result.stderr


def test_postdeploy_refuses_a_pass_variable_stored_in_the_azd_environment(tmp_path: Path) -> None:
    result, calls = run("postdeploy", tmp_path, STORED="EVENT_SUBSCRIPTIONS_PASS")
    assert result.returncode == 1
    assert not any(call.startswith("provision") for call in calls)
    assert ".env" in result.stderr


@pytest.mark.parametrize("by", ["", "user"])
def test_provisioning_refuses_the_subscriptions_outside_the_postdeploy_pass(tmp_path: Path, by: str) -> None:
    result, _ = run("preprovision", tmp_path, EVENT_SUBSCRIPTIONS_PASS="true", EVENT_SUBSCRIPTIONS_PASS_BY=by)
    assert result.returncode == 1
    assert "postdeploy" in result.stderr


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"EVENT_SUBSCRIPTIONS_PASS": "false"},
        {"EVENT_SUBSCRIPTIONS_PASS": "true", "EVENT_SUBSCRIPTIONS_PASS_BY": "postdeploy"},
    ],
)
def test_provisioning_goes_ahead_without_the_pass_or_inside_it(tmp_path: Path, values: dict[str, str]) -> None:
    result, _ = run("preprovision", tmp_path, **values)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("requested", "deployed"), [("0", "0"), ("30", "30"), ("365", "30"), ("7", "")])
def test_retention_may_stay_or_rise(tmp_path: Path, requested: str, deployed: str) -> None:
    result, _ = run(
        "preprovision", tmp_path, ARCHIVE_RETENTION_DAYS=requested, ARCHIVE_RETENTION_DAYS_DEPLOYED=deployed
    )
    assert result.returncode == 0, result.stderr


def test_retention_is_not_shortened_without_saying_so(tmp_path: Path) -> None:
    result, _ = run("preprovision", tmp_path, ARCHIVE_RETENTION_DAYS="7", ARCHIVE_RETENTION_DAYS_DEPLOYED="30")
    assert result.returncode == 1
    assert "azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 7" in result.stderr


def test_removing_the_retention_policy_names_the_commands_that_do_it(tmp_path: Path) -> None:
    result, _ = run(
        "preprovision",
        tmp_path,
        ARCHIVE_RETENTION_DAYS="0",
        ARCHIVE_RETENTION_DAYS_DEPLOYED="30",
        AZURE_STORAGE_ACCOUNT_NAME="stabc",
        ARCHIVE_CONTAINER="recordings",
    )
    assert result.returncode == 1
    assert "az storage container immutability-policy delete --account-name stabc --container-name recordings" in (
        result.stderr
    )
    assert "azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0" in result.stderr


def test_a_locked_retention_can_only_be_extended(tmp_path: Path) -> None:
    result, _ = run(
        "preprovision",
        tmp_path,
        ARCHIVE_RETENTION_DAYS="7",
        ARCHIVE_RETENTION_DAYS_DEPLOYED="30",
        ARCHIVE_RETENTION_LOCKED="true",
    )
    assert result.returncode == 1
    assert "locked" in result.stderr
    assert "azd env set" not in result.stderr


def test_retention_must_be_a_number_of_days(tmp_path: Path) -> None:
    result, _ = run("preprovision", tmp_path, ARCHIVE_RETENTION_DAYS="30d")
    assert result.returncode == 1


def test_azd_down_says_what_it_cannot_delete_and_how_to_finish(tmp_path: Path) -> None:
    result, calls = run(
        "predown",
        tmp_path,
        AZURE_RESOURCE_GROUP="rg-prod",
        AZURE_STORAGE_ACCOUNT_NAME="stabc",
        ARCHIVE_RETENTION_DAYS_DEPLOYED="365",
    )
    assert result.returncode == 0
    assert calls == []
    assert "365 days" in result.stdout
    assert "legal hold" in result.stdout
    assert "az group delete --name rg-prod --yes" in result.stdout


def test_after_a_complete_down_the_carried_values_start_over(tmp_path: Path) -> None:
    result, calls = run("postdown", tmp_path)
    assert result.returncode == 0
    assert calls[0] == "env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0 | pass= by="
    assert calls[1].startswith("env set BUDGET_START_DATE 20")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("hook", "steps"),
    [
        (
            "postdeploy",
            [
                "azd env get-value EVENT_SUBSCRIPTIONS_PASS",
                "$env:EVENT_SUBSCRIPTIONS_PASS = 'true'",
                "$env:EVENT_SUBSCRIPTIONS_PASS_BY = 'postdeploy'",
                "azd provision --no-prompt",
            ],
        ),
        ("preprovision", ["-ne 'postdeploy'", "ARCHIVE_RETENTION_DAYS_DEPLOYED", "immutability-policy delete"]),
        ("predown", ["az group delete --name $group --yes"]),
        ("postdown", ["azd env set ARCHIVE_RETENTION_DAYS_DEPLOYED 0", "azd env set BUDGET_START_DATE"]),
    ],
)
def test_the_windows_hooks_take_the_same_steps(hook: str, steps: list[str]) -> None:
    text = (SCRIPTS / f"{hook}.ps1").read_text()
    assert "$ErrorActionPreference = 'Stop'" in text
    for step in steps:
        assert step in text
