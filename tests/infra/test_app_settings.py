"""The function app's settings cover every setting the app reads (from shared/config.py), identity-based."""

import json
from typing import Any

import pytest

from shared.config import SETTING_NAMES, SPECS
from tests.infra.bicep import MAIN, ROOT, dotted, literal_through_main, parse, the_resource

# Settings satisfied by others in Azure: no connection string or key is stored in the app settings.
SATISFIED_BY = {
    "AzureWebJobsStorage": (
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
    ),
    "ACS_CONNECTION_STRING": ("ACS_ENDPOINT", "AZURE_CLIENT_ID"),
}
# Settings whose value is known only during the deployment.
FROM_THE_DEPLOYMENT = {
    "ACS_ENDPOINT": "acsEndpoint",
    "AZURE_CLIENT_ID": "identityClientId",
    "CALLBACK_BASE_URL": "callbackBaseUrl",
    "CALLBACK_JWT_AUDIENCE": "acsImmutableResourceId",
    "ACS_RESOURCE_ID": "acsResourceId",
    "MANIFEST_SIGNING_KEY": "manifestSigningKeyId",
}
# Settings with a value chosen by a deployment parameter (tested on their own below).
CHOSEN_AT_DEPLOYMENT = {"RECORDING_BYOS_CONTAINER_URL", "DELETE_SOURCE_AFTER_ARCHIVE"}
DEFAULTS = {spec.name: spec.default for spec in SPECS}
FIXED = [n for n in SETTING_NAMES if n not in {*SATISFIED_BY, *FROM_THE_DEPLOYMENT, *CHOSEN_AT_DEPLOYMENT}]


def app_settings() -> dict[str, Any]:
    config = the_resource("Microsoft.Web/sites/config")
    assert config.body["name"] == "appsettings"
    return config.properties


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_every_setting_the_app_reads_is_set_or_satisfied(name: str) -> None:
    settings = app_settings()
    assert name in settings or all(other in settings for other in SATISFIED_BY[name])


def test_no_connection_string_or_key_is_stored() -> None:
    settings = app_settings()
    assert "AzureWebJobsStorage" not in settings
    assert "ACS_CONNECTION_STRING" not in settings
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "ClientId=${identityClientId};Authorization=AAD"


def test_storage_is_reached_by_its_blob_queue_and_table_endpoints() -> None:
    settings = app_settings()
    for service in ("blob", "queue", "table"):
        assert settings[f"AzureWebJobsStorage__{service}ServiceUri"] == f"{service}Endpoint"


@pytest.mark.parametrize("name", sorted(FROM_THE_DEPLOYMENT))
def test_deployment_values_are_filled_in(name: str) -> None:
    assert dotted(app_settings()[name]) == FROM_THE_DEPLOYMENT[name]


def test_the_callback_base_url_is_the_apps_own_https_host() -> None:
    variables = the_resource("Microsoft.Web/sites/config").file.read_text()
    assert "var callbackBaseUrl = 'https://${site.properties.defaultHostName}'" in variables


def test_the_jwt_audience_is_the_acs_immutable_resource_id() -> None:
    acs_file = the_resource("Microsoft.Communication/communicationServices").file
    assert "output immutableResourceId string = acs.properties.immutableResourceId" in acs_file.read_text()


@pytest.mark.parametrize("name", FIXED)
def test_other_values_default_to_the_apps_own_defaults(name: str) -> None:
    value = app_settings()[name]
    literal = literal_through_main("function", value)
    assert literal is not None, f"{name} = {value!r} is not a literal or a main.bicep parameter default"
    assert literal == (DEFAULTS[name] or "")


def test_bring_your_own_storage_points_acs_at_the_archive_container() -> None:
    value = app_settings()["RECORDING_BYOS_CONTAINER_URL"]["operator"]
    assert value["type"] == "conditional"
    assert value["operands"]["condition"] == "recordingByos"
    assert value["operands"]["true_value"] == "${blobEndpoint}${archiveContainer}"
    assert value["operands"]["false_value"] == ""


def test_deleting_at_acs_is_a_bool_parameter_written_as_the_text_the_app_reads() -> None:
    value = app_settings()["DELETE_SOURCE_AFTER_ARCHIVE"]["operator"]
    assert value["type"] == "conditional"
    assert value["operands"] == {"condition": "deleteSourceAfterArchive", "true_value": "true", "false_value": "false"}
    parameter = parse(MAIN)["parameters"]["deleteSourceAfterArchive"]
    assert (parameter["type"], parameter["default"]) == ("bool", False)
    assert DEFAULTS["DELETE_SOURCE_AFTER_ARCHIVE"] == "false"


def test_the_app_settings_mirror_the_example_local_settings() -> None:
    example = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    # Flex Consumption takes the runtime from functionAppConfig.runtime and refuses FUNCTIONS_WORKER_RUNTIME.
    local_only = {"FUNCTIONS_WORKER_RUNTIME"}
    settings = app_settings()
    missing = [name for name in example if name not in local_only and name not in settings and name not in SATISFIED_BY]
    assert missing == []
    assert "FUNCTIONS_WORKER_RUNTIME" not in settings


def test_telemetry_is_set_as_microsofts_python_application_insights_sample_sets_it() -> None:
    # Azure-Samples/functions-quickstart-python-azd-otel: host.json telemetryMode OpenTelemetry, and the worker told
    # to send the app's telemetry to Application Insights (PYTHON_ENABLE_OPENTELEMETRY is the OTLP variant).
    host = json.loads((ROOT / "host.json").read_text())
    assert host["telemetryMode"] == "OpenTelemetry"
    settings = app_settings()
    assert settings["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    assert "PYTHON_ENABLE_OPENTELEMETRY" not in settings
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "applicationInsightsConnectionString"
    requirements = (ROOT / "requirements.txt").read_text()
    assert "azure-monitor-opentelemetry>=" in requirements
