"""Fault injection on recording downloads, as the real SDK sees it through the proxy."""

from __future__ import annotations

from typing import Any

import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.core.exceptions import HttpResponseError, IncompleteReadError

from tests.emulator.conftest import Control

pytestmark = pytest.mark.usefixtures("proxied")


@pytest.fixture
def content(control: Control) -> str:
    event = control("POST", "recordings/synthetic", {"durationSeconds": 20, "deliver": False}).json()
    url: str = event["data"]["recordingStorageInfo"]["recordingChunks"][0]["contentLocation"]
    return url


def fetch(sdk: CallAutomationClient, url: str) -> bytes:
    return b"".join(sdk.download_recording(url).iter_bytes())


def inject(control: Control, **fault: Any) -> None:
    assert control("POST", "faults/downloads", fault).status_code == 201


@pytest.mark.parametrize("status", ["500", "503"])
def test_a_server_error_fault_answers_that_status_for_the_next_download_only(
    control: Control, sdk: CallAutomationClient, content: str, status: str
) -> None:
    inject(control, kind=status, count=1)
    with pytest.raises(HttpResponseError) as raised:
        fetch(sdk, content)
    assert raised.value.status_code == int(status)
    assert len(fetch(sdk, content)) == 44 + 20 * 32000


def test_a_429_fault_carries_retry_after(control: Control, sdk: CallAutomationClient, content: str) -> None:
    inject(control, kind="429", count=1, retryAfter=7)
    with pytest.raises(HttpResponseError) as raised:
        fetch(sdk, content)
    assert raised.value.status_code == 429
    assert raised.value.response is not None
    assert raised.value.response.headers["Retry-After"] == "7"


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_a_cut_connection_never_yields_the_whole_body(
    control: Control, sdk: CallAutomationClient, content: str, kind: str
) -> None:
    inject(control, kind=kind, count=1)
    with pytest.raises(IncompleteReadError):
        fetch(sdk, content)
    assert len(fetch(sdk, content)) == 44 + 20 * 32000, "only the next download was cut"


def test_a_slow_fault_still_delivers_every_byte(control: Control, sdk: CallAutomationClient, content: str) -> None:
    inject(control, kind="slow", count=1, bytesPerSecond=4_000_000)
    assert len(fetch(sdk, content)) == 44 + 20 * 32000
    assert control("GET", "faults").json()["downloads"][0]["count"] == 0


def test_a_probability_fault_fires_on_every_download_at_probability_one_until_cleared(
    control: Control, sdk: CallAutomationClient, content: str
) -> None:
    inject(control, kind="503", probability=1.0)
    for _ in range(2):
        with pytest.raises(HttpResponseError):
            fetch(sdk, content)
    assert control("DELETE", "faults").status_code == 200
    assert fetch(sdk, content)
    assert control("GET", "faults").json()["fired"] == {"503": 2}, "faults served are counted, and kept when cleared"


def test_a_fault_needs_a_known_kind_and_either_count_or_probability(control: Control) -> None:
    assert control("POST", "faults/downloads", {"kind": "teapot", "count": 1}).status_code == 400
    assert control("POST", "faults/downloads", {"kind": "500"}).status_code == 400
