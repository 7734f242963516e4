"""Timer triggers: NCRONTAB with seconds, %Setting% schedules, TimeSpan intervals, runOnStartup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from local.host.singleton import OccurrenceLock
from local.host.timers import schedule

from .conftest import HostProcess, Spawn, seen, wait_until

MOMENT = datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)


def test_ncrontab_has_seconds_first() -> None:
    assert schedule("*/15 * * * * *")(MOMENT) == datetime(2024, 5, 1, 10, 20, 45, tzinfo=UTC)
    assert schedule("0 30 9 * * 1-5")(MOMENT) == datetime(2024, 5, 2, 9, 30, tzinfo=UTC)


def test_schedule_may_name_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWEEP_SCHEDULE", "0 */5 * * * *")

    assert schedule("%SWEEP_SCHEDULE%")(MOMENT) == datetime(2024, 5, 1, 10, 25, tzinfo=UTC)


def test_timespan_schedule_is_an_interval() -> None:
    assert schedule("00:01:30")(MOMENT) == datetime(2024, 5, 1, 10, 22, 0, tzinfo=UTC)


def test_five_field_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="six-field"):
        schedule("*/5 * * * *")


def ticks(host: HostProcess, schedule: str) -> list[dict[str, object]]:
    return [event for event in seen(host) if event["id"] == "tick" and event["data"] == schedule]


def test_run_on_startup_invokes_a_yearly_timer_at_once(web_host: HostProcess) -> None:
    fired = wait_until(lambda: ticks(web_host, "0 0 0 1 1 *"))

    assert fired[0]["class"] == "TimerRequest"


def test_every_second_schedule_keeps_invoking_the_timer(spawn_host: Spawn, tmp_path: Path) -> None:
    every_second = "* * * * * *"
    keys = ("--keys-file", str(tmp_path / "keys.json"))
    with spawn_host("webapp", *keys, env={"TICK_SCHEDULE": every_second}) as host:
        wait_until(lambda: len(ticks(host, every_second)) >= 3)


def test_admin_api_runs_a_timer_function_on_demand(web_host: HostProcess) -> None:
    before = len(ticks(web_host, "0 0 0 1 1 *"))
    url = f"{web_host.url}/admin/functions/tick"

    assert requests.post(url, json={"input": ""}, timeout=10).status_code == 401
    response = requests.post(
        url, json={"input": ""}, headers={"x-functions-key": web_host.info["masterKey"]}, timeout=10
    )

    assert response.status_code == 202
    wait_until(lambda: len(ticks(web_host, "0 0 0 1 1 *")) > before)


def test_each_timer_occurrence_is_claimed_by_one_host_process_only(
    storage_connection_string: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", storage_connection_string)
    first, second = OccurrenceLock(tmp_path, "sweeper"), OccurrenceLock(tmp_path, "sweeper")
    other_app = OccurrenceLock(tmp_path / "other", "sweeper")

    assert first.claim(MOMENT) is True
    assert second.claim(MOMENT) is False
    assert other_app.claim(MOMENT) is True
    assert second.claim(MOMENT + timedelta(minutes=5)) is True
    assert first.claim(MOMENT + timedelta(minutes=5)) is False
