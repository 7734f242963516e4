"""The whole local stack for end-to-end tests: Azurite, the ACS emulator and the Functions host, over real HTTP.

The base URLs are settings: with ``E2E_FUNCTIONS_URL``, ``E2E_FUNCTION_KEY``, ``E2E_EMULATOR_URL``,
``E2E_CA_BUNDLE`` and ``E2E_STORAGE_CONNECTION_STRING`` set, the tests run against that stack (for example the
same app under ``func start``) instead of starting their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient

from local.azurite import AzuriteMissing
from local.client import LocalClient
from local.inspect_archive import archive_container
from local.stack import Stack, StackOptions
from tests.fixtures.needs import missing

pytestmark = pytest.mark.e2e

# Seconds of audio per second of recording: a few seconds of wall time make a minute of media.
TIME_SCALE = 10.0
MAX_CHUNK_SECONDS = 25.0
ANSWERED_NUMBER = "+18005550100"
DECLINED_NUMBER = "+18005550999"

BASE_SETTINGS = {
    "ANSWER_POLICY": f"{ANSWERED_NUMBER},8:acs:e2e-agent",
    "RECORDING_CHANNEL": "unmixed",
    "RECORDING_FORMAT": "wav",
    "STREAMING_THRESHOLD_BYTES": str(512 * 1024),
    "ARCHIVE_BLOCK_SIZE_BYTES": str(256 * 1024),
    "STUCK_CHUNK_AFTER_SECONDS": "3600",
}


def external_info() -> dict[str, Any] | None:
    url = os.environ.get("E2E_FUNCTIONS_URL")
    if not url:
        return None
    return {
        "functionsUrl": url,
        "functionKey": os.environ.get("E2E_FUNCTION_KEY", ""),
        "emulatorUrl": os.environ["E2E_EMULATOR_URL"],
        "caBundle": os.environ["E2E_CA_BUNDLE"],
        "storageConnectionString": os.environ["E2E_STORAGE_CONNECTION_STRING"],
        "archiveContainer": os.environ.get("E2E_ARCHIVE_CONTAINER", "recordings"),
    }


def start_stack(state_dir: Path, settings: dict[str, str], **options: Any) -> Stack:
    try:
        return Stack(StackOptions(state_dir=state_dir, settings=settings, **options)).start()
    except AzuriteMissing as exc:
        missing(f"the local stack needs Azurite: {exc}")


@pytest.fixture(scope="session")
def stack_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The default stack: unmixed WAV, answer policy for one number and one ACS user."""
    external = external_info()
    if external is not None:
        yield external
        return
    stack = start_stack(
        tmp_path_factory.mktemp("stack"),
        BASE_SETTINGS,
        time_scale=TIME_SCALE,
        files_ready_delay=0.3,
        max_chunk_seconds=MAX_CHUNK_SECONDS,
    )
    try:
        yield stack.info
    finally:
        stack.stop()


@pytest.fixture
def client(stack_info: dict[str, Any]) -> LocalClient:
    return LocalClient(stack_info)


@pytest.fixture
def archive(stack_info: dict[str, Any]) -> ContainerClient:
    return archive_container(stack_info)


@pytest.fixture
def caller() -> str:
    """A unique PSTN caller per test, so tests share one stack without seeing each other's calls."""
    return "4:+1425" + str(uuid.uuid4().int)[:7]
