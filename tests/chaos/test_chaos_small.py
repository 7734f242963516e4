"""Every chaos scenario at small size on its own local stack, asserting the suite's invariants.

0 lost, 0 duplicated, 0 corrupted, every expected chunk verified by SHA-256, no errors, and each scenario's own
checks (no 5xx, no incomplete blob visible, every bad event quarantined, trap never hit, 401s, ...).
"""

from __future__ import annotations

import pytest

from chaos.result import Result
from chaos.runner import SCENARIOS, details, run_one
from chaos.scenarios.common import Size
from local.azurite import AzuriteMissing, executable
from tests.fixtures.needs import missing

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def needs_azurite() -> None:
    try:
        executable()
    except AzuriteMissing as exc:
        missing(f"the chaos suite needs Azurite: {exc}")


def explain(result: Result) -> str:
    return details([result])


def assert_invariants(result: Result) -> None:
    assert result.checks, f"{result.scenario} checked nothing\n{explain(result)}"
    assert result.errors == 0, explain(result)
    assert (result.lost, result.duplicated, result.corrupted) == (0, 0, 0), explain(result)
    assert result.verified == result.expected == result.archived, explain(result)
    assert not result.failed_checks, explain(result)


@pytest.mark.parametrize("name", ["duplicates", "competing"])
def test_duplicated_and_concurrent_delivery_archives_each_chunk_exactly_once(name: str) -> None:
    result = run_one(name, Size(small=True))
    assert_invariants(result)
    assert result.expected > 0, explain(result)
    assert result.faults > 0, explain(result)


@pytest.mark.parametrize("name", ["download_faults", "crash", "storage_outage"])
def test_faults_and_crashes_lose_and_corrupt_nothing(name: str) -> None:
    result = run_one(name, Size(small=True))
    assert_invariants(result)
    assert result.expected > 0, explain(result)
    assert result.faults > 0, explain(result)


def test_a_lost_binding_write_with_delete_at_acs_loses_nothing_and_deletes_only_verified_recordings() -> None:
    result = run_one("binding_faults", Size(small=True))
    assert_invariants(result)
    assert result.expected > 0, explain(result)
    assert result.faults == 3, explain(result)
    for check in ("nothing deleted at ACS before it was verified", "manifests name only blobs that hold those bytes",
                  "no manifest ahead of its blobs", "host killed before a binding write"):  # fmt: skip
        assert result.checks.get(check) is True, explain(result)


def test_hostile_input_is_quarantined_and_no_corpus_url_is_ever_requested() -> None:
    result = run_one("hostile", Size(small=True))
    assert_invariants(result)
    for check in ("no 5xx", "every bad event quarantined", "trap listener never hit", "proxy refused nothing"):
        assert result.checks.get(check) is True, explain(result)


def test_unauthenticated_requests_are_401_and_change_nothing() -> None:
    result = run_one("auth", Size(small=True))
    assert_invariants(result)
    assert result.checks.get("rejected requests change no state") is True, explain(result)


def test_retention_race_redrives_with_a_warning_and_fails_expired_sources_with_a_reason() -> None:
    result = run_one("retention", Size(small=True))
    assert_invariants(result)
    assert result.checks.get("sweeper warned before retention") is True, explain(result)
    assert result.checks.get("expired source marked failed") is True, explain(result)


def test_every_scenario_is_covered_here() -> None:
    covered = {"duplicates", "competing", "download_faults", "crash", "binding_faults", "storage_outage", "hostile",
               "auth", "retention"}  # fmt: skip
    assert covered == set(SCENARIOS)
