"""The storage account: Entra ID only, HTTPS and TLS 1.2, and every container, queue and table the app uses."""

import pytest

from shared.config import SPECS
from tests.infra.bicep import MAIN, body, main_module, parse, resources, the_resource

DEFAULTS = {spec.name: spec.default for spec in SPECS}
STORAGE_MODULE = "storage"


def created(resource_type: str) -> set[str]:
    """Names (module parameter names, or interpolations of them) of the children of one type."""
    return {r.body["name"] for r in resources(resource_type)}


def main_default(module_parameter: str) -> str:
    passed = body(main_module(STORAGE_MODULE))["params"][module_parameter]
    default: str = parse(MAIN)["parameters"][passed]["default"]
    return default


def test_shared_key_and_anonymous_access_are_off() -> None:
    properties = the_resource("Microsoft.Storage/storageAccounts").properties
    assert properties["allowSharedKeyAccess"] is False
    assert properties["allowBlobPublicAccess"] is False
    assert properties["defaultToOAuthAuthentication"] is True


def test_only_https_with_tls_1_2_or_later() -> None:
    properties = the_resource("Microsoft.Storage/storageAccounts").properties
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["minimumTlsVersion"] == "TLS1_2"


@pytest.mark.parametrize(
    ("parameter", "setting"),
    [
        ("archiveContainer", "ARCHIVE_CONTAINER"),
        ("quarantineContainer", "QUARANTINE_CONTAINER"),
    ],
)
def test_the_apps_containers_exist_with_the_apps_default_names(parameter: str, setting: str) -> None:
    assert parameter in created("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert main_default(parameter) == DEFAULTS[setting]


def test_the_deployment_and_dead_letter_containers_exist() -> None:
    containers = created("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert {"deploymentContainer", "deadLetterContainer"} <= containers
    assert main_default("deadLetterContainer") == "eventgrid-deadletter"


def test_no_container_is_public() -> None:
    containers = resources("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert containers
    assert all(c.properties["publicAccess"] == "None" for c in containers)


def test_the_chunk_queue_and_its_poison_queue_exist() -> None:
    assert created("Microsoft.Storage/storageAccounts/queueServices/queues") == {"chunkQueue", "${chunkQueue}-poison"}
    assert main_default("chunkQueue") == DEFAULTS["CHUNK_QUEUE"]


def test_the_calls_table_exists() -> None:
    assert created("Microsoft.Storage/storageAccounts/tableServices/tables") == {"callsTable"}
    assert main_default("callsTable") == DEFAULTS["CALLS_TABLE"]


def test_deleted_blobs_and_containers_can_be_restored() -> None:
    blob_service = the_resource("Microsoft.Storage/storageAccounts/blobServices").properties
    assert blob_service["deleteRetentionPolicy"]["enabled"] is True
    assert blob_service["containerDeleteRetentionPolicy"]["enabled"] is True
