"""Settings precedence (file < environment < explicit overrides), the settings file choice, and the keys file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from local.host import FunctionsHost, HostStartError
from local.host.settings import settings_path

from .conftest import APPS


def test_environment_overrides_the_file_and_explicit_overrides_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OVERRIDDEN_BY_ENV", "env")
    monkeypatch.setenv("FROM_OVERRIDE", "env")

    with FunctionsHost(
        APPS / "webapp", keys_file=tmp_path / "keys.json", auth=False, env_overrides={"FROM_OVERRIDE": "override"}
    ) as host:
        values = {
            name: requests.get(f"{host.url}/api/settings/{name}", timeout=10).text
            for name in ("FROM_FILE", "OVERRIDDEN_BY_ENV", "FROM_OVERRIDE")
        }

    assert values == {"FROM_FILE": "file", "OVERRIDDEN_BY_ENV": "env", "FROM_OVERRIDE": "override"}


def test_settings_are_removed_from_the_environment_when_the_host_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FROM_FILE", raising=False)

    with FunctionsHost(APPS / "webapp", keys_file=tmp_path / "keys.json"):
        pass

    import os

    assert "FROM_FILE" not in os.environ


def test_local_settings_json_is_preferred_over_the_example(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json.example").write_text("{}")
    assert settings_path(tmp_path, None) == tmp_path / "local.settings.json.example"

    (tmp_path / "local.settings.json").write_text("{}")
    assert settings_path(tmp_path, None) == tmp_path / "local.settings.json"
    assert settings_path(tmp_path, tmp_path / "other.json") == tmp_path / "other.json"


def test_explicit_settings_file_replaces_the_app_settings(tmp_path: Path) -> None:
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps({"Values": {"FROM_FILE": "custom", "TICK_SCHEDULE": "0 0 0 1 1 *"}}))

    with FunctionsHost(APPS / "webapp", keys_file=tmp_path / "keys.json", settings_file=custom, auth=False) as host:
        assert requests.get(f"{host.url}/api/settings/FROM_FILE", timeout=10).text == "custom"


def test_missing_keys_file_is_created_with_random_keys_and_then_reused(tmp_path: Path) -> None:
    keys_file = tmp_path / "nested" / "host-keys.json"

    with FunctionsHost(APPS / "webapp", keys_file=keys_file) as first:
        created = json.loads(keys_file.read_text())
    with FunctionsHost(APPS / "webapp", keys_file=keys_file) as second:
        assert second.info["functionKey"] == first.info["functionKey"]

    assert created["masterKey"] == first.info["masterKey"]
    assert created["functionKeys"] == {"default": first.info["functionKey"]}
    assert created["systemKeys"] == {"eventgrid_extension": first.info["eventGridKey"]}
    assert len({first.info["masterKey"], first.info["functionKey"], first.info["eventGridKey"]}) == 3


def test_a_trigger_naming_a_missing_setting_stops_the_start(tmp_path: Path, storage_connection_string: str) -> None:
    custom = tmp_path / "settings.json"
    custom.write_text(json.dumps({"Values": {"AzureWebJobsStorage": storage_connection_string}}))

    with pytest.raises(HostStartError, match="'JOBS_QUEUE' is not defined"):
        FunctionsHost(APPS / "queueapp", keys_file=tmp_path / "keys.json", settings_file=custom).start()
