"""The storage account: Entra ID only, HTTPS and TLS 1.2, and every container, queue and table the app uses."""

import json

import pytest

from shared.config import SPECS
from tests.infra.bicep import (
    MAIN,
    Resource,
    body,
    condition,
    main_module,
    module_file,
    parse,
    resources,
    the_resource,
    walk,
)

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


def test_the_chunk_and_verification_queues_and_their_poison_queues_exist() -> None:
    assert created("Microsoft.Storage/storageAccounts/queueServices/queues") == {
        "chunkQueue",
        "${chunkQueue}-poison",
        "verifyQueue",
        "${verifyQueue}-poison",
    }
    assert main_default("chunkQueue") == DEFAULTS["CHUNK_QUEUE"]
    assert main_default("verifyQueue") == DEFAULTS["VERIFY_QUEUE"]


def test_the_calls_table_exists() -> None:
    assert created("Microsoft.Storage/storageAccounts/tableServices/tables") == {"callsTable"}
    assert main_default("callsTable") == DEFAULTS["CALLS_TABLE"]


def test_deleted_blobs_and_containers_can_be_restored() -> None:
    blob_service = the_resource("Microsoft.Storage/storageAccounts/blobServices").properties
    assert blob_service["deleteRetentionPolicy"]["enabled"] is True
    assert blob_service["containerDeleteRetentionPolicy"]["enabled"] is True


# -- the write-once archive: versioning, version-level immutability, retention, lifecycle --------------------------

PARAMETERS = json.loads((MAIN.parent / "main.parameters.json").read_text())["parameters"]
RETENTION_PARAMETERS = {
    "archiveRetentionDays": "ARCHIVE_RETENTION_DAYS",
    "archiveRetentionLocked": "ARCHIVE_RETENTION_LOCKED",
    "coolTierAfterDays": "COOL_TIER_AFTER_DAYS",
    "coldTierAfterDays": "COLD_TIER_AFTER_DAYS",
    "archiveTierAfterDays": "ARCHIVE_TIER_AFTER_DAYS",
}


def main_int_default(module_parameter: str) -> int:
    passed = body(main_module(STORAGE_MODULE))["params"][module_parameter]
    default: int = parse(MAIN)["parameters"][passed]["default"]
    return default


def containers_by_name() -> dict[str, Resource]:
    return {c.body["name"]: c for c in resources("Microsoft.Storage/storageAccounts/blobServices/containers")}


def test_blob_versioning_is_on_for_the_account() -> None:
    assert the_resource("Microsoft.Storage/storageAccounts/blobServices").properties["isVersioningEnabled"] is True


def test_only_the_archive_container_supports_version_level_immutability() -> None:
    worm = {
        name
        for name, c in containers_by_name().items()
        if c.properties.get("immutableStorageWithVersioning", {}).get("enabled") is True
    }
    assert worm == {"archiveContainer"}


def test_the_retention_policy_is_the_archives_default_only_when_days_are_given_and_is_never_locked_here() -> None:
    """Deployed unlocked; once locked by hand, ARM accepts no create-or-update of it, so it is left out."""
    policy = the_resource("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies")
    assert (policy.body["parent"], policy.body["name"]) == ("archive", "default")
    given = {"operator": {"type": "greater_than", "operands": {"operand_1": "archiveRetentionDays", "operand_2": 0}}}
    unlocked = {"operator": {"type": "not", "operands": {"bool_value": "archiveRetentionLocked"}}}
    assert condition(policy.declaration) == {
        "operator": {"type": "and", "operands": {"operand_1": given, "operand_2": unlocked}}
    }
    assert policy.properties == {
        "immutabilityPeriodSinceCreationInDays": "archiveRetentionDays",
        "allowProtectedAppendWrites": True,  # the access log's append blobs grow; nothing in them changes
        "allowProtectedAppendWritesAll": False,
    }
    assert main_int_default("archiveRetentionDays") == 0
    assert parse(MAIN)["parameters"]["archiveRetentionLocked"]["default"] is False


def test_one_lifecycle_rule_tiers_the_archive_prefix_only() -> None:
    lifecycle = the_resource("Microsoft.Storage/storageAccounts/managementPolicies")
    assert (lifecycle.body["parent"], lifecycle.body["name"]) == ("storage", "default")
    (rule,) = lifecycle.properties["policy"]["rules"]
    assert (rule["type"], rule["enabled"]) == ("Lifecycle", True)
    assert rule["definition"]["filters"] == {"blobTypes": ["blockBlob"], "prefixMatch": ["${archiveContainer}/"]}


def test_no_lifecycle_action_deletes_anything() -> None:
    lifecycle = the_resource("Microsoft.Storage/storageAccounts/managementPolicies")
    variables = parse(lifecycle.file)["variables"]
    trees = [lifecycle.properties, *(v["value"] for v in variables.values())]
    keys = {k for tree in trees for node in walk(tree) if isinstance(node, dict) for k in node}
    assert {"tierToCool", "tierToCold", "tierToArchive"} <= keys
    assert "delete" not in keys


def test_current_blobs_and_previous_versions_move_cool_then_cold_and_archive_only_when_asked() -> None:
    variables = parse(module_file(STORAGE_MODULE))["variables"]
    current, versions = variables["currentTiering"]["value"], variables["versionTiering"]["value"]
    assert current == {
        "tierToCool": {"daysAfterModificationGreaterThan": "coolTierAfterDays"},
        "tierToCold": {"daysAfterModificationGreaterThan": "coldTierAfterDays"},
    }
    assert versions == {
        "tierToCool": {"daysAfterCreationGreaterThan": "coolTierAfterDays"},
        "tierToCold": {"daysAfterCreationGreaterThan": "coldTierAfterDays"},
    }
    assert variables["archiveTier"]["value"]["operator"]["operands"] == {
        "operand_1": "archiveTierAfterDays",
        "operand_2": 0,
    }
    assert 0 < main_int_default("coolTierAfterDays") < main_int_default("coldTierAfterDays")
    assert main_int_default("archiveTierAfterDays") == 0, "archive tier is offline: off unless asked for"


@pytest.mark.parametrize(("parameter", "variable"), sorted(RETENTION_PARAMETERS.items()))
def test_each_retention_and_tiering_value_is_an_azd_value(parameter: str, variable: str) -> None:
    assert body(main_module(STORAGE_MODULE))["params"][parameter] == parameter
    default = parse(MAIN)["parameters"][parameter]["default"]
    assert PARAMETERS[parameter]["value"] == f"${{{variable}={json.dumps(default)}}}"


def test_the_new_resource_shapes_cite_microsofts_references() -> None:
    text = module_file(STORAGE_MODULE).read_text()
    for page in ("blobservices/containers/immutabilitypolicies", "managementpolicies", "immutable-version-level-worm"):
        assert page in text
