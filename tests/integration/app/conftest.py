"""Fixtures of the app's integration tests: a fresh calls table on the session Azurite; the app on the emulator."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.blob import BlobServiceClient

from local.emulator import Emulator
from shared import bootstrap, config
from shared.signing import new_key_file, public_path
from shared.store.table import TableCallStore
from tests.emulator.receiver import Receiver
from tests.integration.app.emulated import ANSWERED, CALLBACKS, GRID, Acs, Clock
from tests.integration.app.functions import App

# Two unmixed WAV channels (16 kHz, 16 bit) are 64,000 bytes per second of media: an 8 s chunk is streamed, a chunk
# of a few seconds leaves through the blob output binding.
MAX_CHUNK_SECONDS = 8
STREAMING_THRESHOLD_BYTES = 384 * 1024


@pytest.fixture
def calls_table(storage_connection_string: str, unique_name: str) -> Iterator[TableClient]:
    service = TableServiceClient.from_connection_string(storage_connection_string)
    name = unique_name  # letters and digits, starting with a letter: a valid table name
    table = service.create_table(name)
    try:
        yield table
    finally:
        service.delete_table(name)


@pytest.fixture
def store(calls_table: TableClient) -> TableCallStore:
    return TableCallStore(calls_table)


@pytest.fixture
def acs(acs_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, unique_name: str) -> Iterator[Acs]:
    """The session emulator with a receiver for its Event Grid deliveries and callbacks, and a clock tests move.

    The test's process gets the emulator's ``clientEnv`` (storage hosts through its proxy, its CA trusted).
    """
    for name, value in acs_emulator.info["clientEnv"].items():
        monkeypatch.setenv(name, value)
    clock = Clock()
    monkeypatch.setattr(acs_emulator.backend, "clock", clock)
    hooks = Receiver().start()
    acs = Acs(acs_emulator, hooks, clock)
    before = acs.control("GET", "settings")
    acs.control("POST", "settings", {"maxChunkSeconds": MAX_CHUNK_SECONDS})
    acs.control("POST", "subscriptions", {"name": unique_name, "endpoint": hooks.url(GRID)})
    try:
        yield acs
    finally:
        acs.control("DELETE", f"subscriptions/{unique_name}")
        acs.control("DELETE", "faults")
        acs.control("POST", "settings", before)
        hooks.stop()


def app_settings(acs: Acs, storage: str, name: str) -> dict[str, str]:
    info = acs.emu.info
    return {
        "AzureWebJobsStorage": storage,
        "ACS_CONNECTION_STRING": info["connectionString"],
        "CALLBACK_BASE_URL": acs.hooks.url(""),
        "ANSWER_POLICY": ANSWERED.removeprefix("4:"),
        "RECORDING_CONTENT": "audio",
        "RECORDING_CHANNEL": "unmixed",
        "RECORDING_FORMAT": "wav",
        "CALLBACK_JWT_ISSUER": info["issuer"],
        "CALLBACK_JWT_AUDIENCE": info["audience"],
        "ACS_RESOURCE_ID": info["topic"],
        "CALLBACK_JWKS_URL": info["jwksUrl"],
        "ARCHIVE_CONTAINER": name + "a",
        "QUARANTINE_CONTAINER": name + "q",
        "CALLS_TABLE": name,
        "RETENTION_CLASS_RULES": "+1800=toll-free,*=standard",
        "STREAMING_THRESHOLD_BYTES": str(STREAMING_THRESHOLD_BYTES),
        "ARCHIVE_BLOCK_SIZE_BYTES": str(64 * 1024),
        "ARCHIVE_CONCURRENCY": "2",
        "DELETE_SOURCE_AFTER_ARCHIVE": "true",
    }


@pytest.fixture
def app(
    acs: Acs, storage_connection_string: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[App]:
    """The app built from its settings by the composition root, as on a host: real ACS port, recording source and
    callback verifier, all pointed at the emulator; state, archive and quarantine on Azurite; manifests signed with
    a key file (``App.public_key``: its public key, for the audit)."""
    for name in config.SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    signing_key = tmp_path / "manifest-signing.pem"
    new_key_file(signing_key)
    settings = app_settings(acs, storage_connection_string, unique_name)
    settings["MANIFEST_SIGNING_KEY"] = str(signing_key)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert settings["CALLBACK_BASE_URL"] + CALLBACKS == acs.hooks.url(CALLBACKS)
    bootstrap.reset()
    blobs = BlobServiceClient.from_connection_string(storage_connection_string)
    try:
        deps = bootstrap.deps()
        yield App(
            deps,
            blobs.get_container_client(settings["ARCHIVE_CONTAINER"]),
            blobs.get_container_client(settings["QUARANTINE_CONTAINER"]),
            public_key=public_path(signing_key),
        )
    finally:
        bootstrap.reset()
        for container in (settings["ARCHIVE_CONTAINER"], settings["QUARANTINE_CONTAINER"]):
            with contextlib.suppress(ResourceNotFoundError):
                blobs.delete_container(container)
        TableServiceClient.from_connection_string(storage_connection_string).delete_table(settings["CALLS_TABLE"])
