"""Deployment parameters an operator cannot get wrong without being told: the region offers Flex Consumption, ACS
keeps its data in the geography of that region unless told otherwise, and values that cannot change once deployed
are carried from one provisioning to the next."""

import json
from typing import Any

from tests.infra.bicep import MAIN, ROOT, body, main_module, parse

# Microsoft's Flex Consumption quickstart (Azure-Samples/functions-quickstart-python-http-azd, infra/main.bicep)
# lists these regions, and its Microsoft-internal canary region eastus2euap.
FLEX_REGIONS = {
    "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia",
    "eastus", "eastus2", "francecentral", "germanywestcentral", "italynorth", "japaneast", "koreacentral",
    "northcentralus", "northeurope", "norwayeast", "southafricanorth", "southcentralus", "southeastasia", "southindia",
    "spaincentral", "swedencentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westus",
    "westus2", "westus3",
}  # fmt: skip


def allowed(parameter: str) -> list[Any]:
    for decorator in parse(MAIN)["parameters"][parameter]["decorators"]:
        if decorator["type"] == "allowed":
            values: list[Any] = decorator["argument"]
            return values
    raise AssertionError(f"{parameter} has no @allowed list")


def bound() -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    return parameters


def test_only_regions_that_offer_flex_consumption_are_accepted() -> None:
    assert set(allowed("location")) == FLEX_REGIONS


def test_every_region_has_the_acs_data_location_of_its_geography() -> None:
    geography = parse(MAIN)["variables"]["acsGeography"]["value"]
    assert set(geography) == set(allowed("location"))
    assert set(geography.values()) <= set(allowed("acsDataLocation")) - {""}
    assert geography["westeurope"] == "Europe"
    assert geography["eastus"] == "United States"


def test_acs_data_location_defaults_to_the_regions_geography_and_an_explicit_value_wins() -> None:
    assert parse(MAIN)["parameters"]["acsDataLocation"]["default"] == ""
    chosen = parse(MAIN)["variables"]["acsLocation"]["value"]["operator"]
    assert chosen["type"] == "conditional"
    assert chosen["operands"]["false_value"] == "acsDataLocation"
    assert "acsGeography" in str(chosen["operands"]["true_value"])
    assert body(main_module("acs"))["params"]["dataLocation"] == "acsLocation"


def test_values_fixed_once_deployed_come_back_from_the_last_provisioning() -> None:
    outputs = parse(MAIN)["outputs"]
    for output, parameter in [("ACS_DATA_LOCATION", "acsDataLocation"), ("BUDGET_START_DATE", "budgetStartDate")]:
        assert output in outputs
        assert bound()[parameter]["value"] == f"${{{output}}}"


def test_the_retention_floor_is_the_retention_deployed() -> None:
    assert parse(MAIN)["outputs"]["ARCHIVE_RETENTION_DAYS_DEPLOYED"]["value"] == "archiveRetentionDays"
    hook = (ROOT / "scripts" / "preprovision.sh").read_text()
    assert 'deployed="${ARCHIVE_RETENTION_DAYS_DEPLOYED:-0}"' in hook
    assert 'requested="${ARCHIVE_RETENTION_DAYS:-0}"' in hook
    assert bound()["archiveRetentionDays"]["value"] == "${ARCHIVE_RETENTION_DAYS=0}"


def test_always_ready_alerts_and_budget_are_azd_values() -> None:
    assert bound()["alwaysReadyAcsEvents"]["value"] == "${ALWAYS_READY_ACS_EVENTS=1}"
    assert bound()["alwaysReadyHttp"]["value"] == "${ALWAYS_READY_HTTP=1}"
    assert bound()["archiveDeadlineMinutes"]["value"] == "${ARCHIVE_DEADLINE_MINUTES=60}"
    assert (
        bound()["monthlyBudget"]["value"]
        == f"${{MONTHLY_BUDGET={parse(MAIN)['parameters']['monthlyBudget']['default']}}}"
    )
