"""The review page in a real browser: Debian's Chromium driven by Playwright's Python client, on the local stack.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``make test`` installs it with apt-get when it
is missing). Without it the tests are skipped with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.storage.blob import ContainerClient

from local import review
from local.client import LocalClient, recordings, wait_for
from local.inspect_archive import archive_container, manifest_written
from local.review import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import BASE_SETTINGS, start_stack

pytestmark = pytest.mark.e2e

ANSWERED = "4:+18005550100"
AGENT = "8:acs:review-agent"


def unavailable(reason: str) -> None:
    """Skip with the reason; under CI=true a missing browser is a failure, never a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: Playwright's sync API runs an event loop on this thread while it is open, which
    ``asyncio.run`` in later tests would trip over."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright's Python client is not installed: {exc}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def review_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A stack of its own: unmixed WAV, chunks of 20 s of media."""
    stack = start_stack(
        tmp_path_factory.mktemp("review-stack"),
        BASE_SETTINGS,
        time_scale=10.0,
        files_ready_delay=0.3,
        max_chunk_seconds=20,
    )
    try:
        yield stack.info
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def client(review_stack: dict[str, Any]) -> LocalClient:
    return LocalClient(review_stack)


@pytest.fixture(scope="session")
def archive(review_stack: dict[str, Any]) -> ContainerClient:
    return archive_container(review_stack)


@pytest.fixture(scope="session")
def recorded_call(client: LocalClient, archive: ContainerClient) -> dict[str, Any]:
    """A call recorded with one pause, stopped, hung up and archived: its control API JSON."""
    return record_call(client, archive, pause=True)


def record_call(client: LocalClient, archive: ContainerClient, *, pause: bool) -> dict[str, Any]:
    """A call of a new caller recorded (with one pause when ``pause``), stopped, hung up, archived and its manifest
    written (in ``archive``)."""
    caller = "4:+1425" + str(uuid.uuid4().int)[:7]
    server_call_id = str(client.place_call(caller, ANSWERED, (AGENT,))["serverCallId"])

    def state_is(expected: str) -> Any:
        return lambda: client.recording_state(server_call_id) == expected

    wait_for(state_is("active"), "the recording to become active", timeout=60)
    time.sleep(2)
    if pause:
        client.recording(server_call_id, "pause")
        wait_for(state_is("paused"), "the recording to pause")
        time.sleep(1)
        client.recording(server_call_id, "resume")
        wait_for(state_is("active"), "the recording to resume")
        time.sleep(2)
    client.recording(server_call_id, "stop")
    client.hang_up(server_call_id)

    def archived() -> dict[str, Any] | None:
        call = client.call(server_call_id)
        found = recordings(call)
        done = found and all(r.get("archived") and manifest_written(archive, r) for r in found)
        return call if done else None

    call: dict[str, Any] = wait_for(
        archived, "every chunk to be archived and its manifest written", timeout=180, interval=0.5
    )
    return call


def page_url(info: dict[str, Any], fragment: str = "") -> str:
    return review.page_url(info) + fragment
