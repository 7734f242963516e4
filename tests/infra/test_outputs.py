"""main.bicep's outputs: UPPER_SNAKE names that azd stores in the environment."""

import re

from tests.infra.bicep import MAIN, parse


def test_every_output_is_upper_snake() -> None:
    outputs = parse(MAIN)["outputs"]
    assert outputs
    assert [name for name in outputs if not re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name)] == []


def test_the_outputs_tell_how_to_reach_the_app_and_point_acs_at_it() -> None:
    outputs = parse(MAIN)["outputs"]
    assert {
        "AZURE_RESOURCE_GROUP",
        "AZURE_FUNCTION_APP_NAME",
        "CALLBACK_BASE_URL",
        "ACS_NAME",
        "ACS_ENDPOINT",
        "ACS_IMMUTABLE_RESOURCE_ID",
        "EVENT_GRID_SYSTEM_TOPIC_NAME",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "ARCHIVE_CONTAINER",
    } <= set(outputs)
