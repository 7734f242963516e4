"""The deployed app's triggers fit the infrastructure: the Event Grid function the subscription names, storage
bindings on the identity-based AzureWebJobsStorage connection, and the queue the storage account creates."""

import importlib.util
import json
from functools import cache
from typing import Any

from shared.config import SPECS
from tests.infra.bicep import ROOT

DEFAULTS = {spec.name: spec.default for spec in SPECS}


@cache
def bindings() -> dict[str, list[dict[str, Any]]]:
    """The project's own ``function_app.py``, loaded by path: ``sys.modules["function_app"]`` may hold another
    app (the local host's tests index their toy apps under that name)."""
    spec = importlib.util.spec_from_file_location("deployed_function_app", ROOT / "function_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.app
    return {str(f.get_function_name()): json.loads(f.get_function_json())["bindings"] for f in app.get_functions()}


def test_the_event_grid_subscription_targets_an_event_grid_triggered_function() -> None:
    assert [b["type"] for b in bindings()["acs_events"] if b["direction"] == "IN"] == ["eventGridTrigger"]


def test_every_storage_binding_uses_the_identity_based_connection() -> None:
    storage = {"queueTrigger", "queue", "blob"}
    connections = [b.get("connection") for found in bindings().values() for b in found if b["type"] in storage]
    assert connections
    assert set(connections) == {"AzureWebJobsStorage"}


def test_queue_triggers_read_the_queues_the_storage_account_creates() -> None:
    queues = {b["queueName"] for found in bindings().values() for b in found if b["type"] == "queueTrigger"}
    created = {"%CHUNK_QUEUE%", "%VERIFY_QUEUE%"}
    assert queues == created | {f"{name}-poison" for name in created}


def test_archive_chunk_hands_its_verification_to_the_queue_verify_chunk_reads() -> None:
    outputs = {b["queueName"] for b in bindings()["archive_chunk"] if b["type"] == "queue"}
    (trigger,) = [b["queueName"] for b in bindings()["verify_chunk"] if b["type"] == "queueTrigger"]
    assert outputs == {trigger} == {"%VERIFY_QUEUE%"}


def test_blob_bindings_write_to_containers_the_storage_account_creates() -> None:
    created = {
        DEFAULTS["ARCHIVE_CONTAINER"],
        DEFAULTS["QUARANTINE_CONTAINER"],
        "%ARCHIVE_CONTAINER%",
        "%QUARANTINE_CONTAINER%",
    }
    paths = [b["path"] for found in bindings().values() for b in found if b["type"] == "blob"]
    assert paths
    assert {path.split("/", 1)[0] for path in paths} <= created
