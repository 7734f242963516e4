"""The load every pipeline scenario puts on the stack: calls that are answered, recorded, hung up and archived."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.client import ClientError, LocalClient

log = logging.getLogger(__name__)
CALLER = "4:+14255550100"
AGENT = "8:acs:chaos_agent"


def recordings(call: dict[str, Any] | None) -> list[dict[str, Any]]:
    found = (call or {}).get("recordings", [])
    return list(found.values()) if isinstance(found, dict) else list(found)


def poll(probe: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """``probe()`` until it is truthy or time runs out; the last value either way (no exception)."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = probe()
    return value


def safe_call(client: LocalClient, server_call_id: str) -> dict[str, Any] | None:
    """The app's view of a call; None while the API cannot answer (e.g. storage down)."""
    try:
        return client.call(server_call_id)
    except (ClientError, OSError) as exc:
        log.debug("call %s not readable yet: %s", server_call_id, exc)
        return None


def is_recording(client: LocalClient, server_call_id: str) -> bool:
    found = recordings(safe_call(client, server_call_id))
    return bool(found) and found[-1].get("state") == "active"


def one_call(client: LocalClient, record_seconds: float, timeout: float) -> tuple[str, bool]:
    """Place a call, wait until its recording is active, let it record, hang up; (serverCallId, became active)."""
    server_call_id = str(client.place_call(CALLER, AGENT, ("8:acs:chaos_supervisor",))["serverCallId"])
    active = bool(poll(lambda: is_recording(client, server_call_id), timeout))
    time.sleep(record_seconds)
    client.hang_up(server_call_id)
    return server_call_id, active


def run_calls(
    client: LocalClient, count: int, record_seconds: float = 1.0, parallel: int = 8, timeout: float = 60
) -> tuple[list[str], list[str]]:
    """``count`` recorded calls, ``parallel`` at a time; (their serverCallIds, those that never became active)."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = list(pool.map(lambda _: one_call(client, record_seconds, timeout), range(count)))
    return [sid for sid, _ in done], [sid for sid, active in done if not active]


def archived(recording: dict[str, Any]) -> bool:
    """Every announced chunk verified in the archive, as the API says (``archived``)."""
    return bool(recording.get("archived"))


def failed(recording: dict[str, Any]) -> bool:
    return bool((recording.get("verdict") or {}).get("verdict") == "failed")


def settled(client: LocalClient, server_call_id: str) -> dict[str, Any] | None:
    call = safe_call(client, server_call_id)
    found = recordings(call)
    return call if found and all(archived(r) or failed(r) for r in found) else None


def wait_settled(client: LocalClient, server_call_ids: list[str], timeout: float) -> dict[str, dict[str, Any] | None]:
    """Each call's final view once every recording is archived or failed; the last view seen if time runs out."""
    deadline = time.monotonic() + timeout
    views: dict[str, dict[str, Any] | None] = {}
    for sid in server_call_ids:
        views[sid] = poll(lambda sid=sid: settled(client, sid), max(1.0, deadline - time.monotonic()))  # type: ignore[misc]
        if views[sid] is None:
            views[sid] = safe_call(client, sid)
    return views
