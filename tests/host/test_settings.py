"""Settings precedence (file < environment < explicit overrides), the settings file choice, and the keys file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from local.host.settings import applied, settings_path

from .conftest import HostDidNotStart, Spawn, start_host


def test_the_environment_overrides_the_file_and_the_storage_option_overrides_both(
    spawn_host: Spawn, tmp_path: Path, storage_connection_string: str
) -> None:
    environment = {"OVERRIDDEN_BY_ENV": "env", "AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    option = ("--storage-connection-string", storage_connection_string)
    options = ("--keys-file", str(tmp_path / "keys.json"), "--no-auth", *option)

    with spawn_host("webapp", *options, env=environment) as host:
        values = {
            name: requests.get(f"{host.url}/api/settings/{name}", timeout=10).text
            for name in ("FROM_FILE", "OVERRIDDEN_BY_ENV", "AzureWebJobsStorage")
        }

    assert values == {"FROM_FILE": "file", "OVERRIDDEN_BY_ENV": "env", "AzureWebJobsStorage": storage_connection_string}


def test_applied_settings_are_removed_from_the_environment_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FROM_FILE", raising=False)
    monkeypatch.setenv("KEPT", "before")

    with applied({"FROM_FILE": "file", "KEPT": "during"}):
        assert (os.environ["FROM_FILE"], os.environ["KEPT"]) == ("file", "during")

    assert "FROM_FILE" not in os.environ
    assert os.environ["KEPT"] == "before"


def test_local_settings_json_is_preferred_over_the_example(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json.example").write_text("{}")
    assert settings_path(tmp_path, None) == tmp_path / "local.settings.json.example"

    (tmp_path / "local.settings.json").write_text("{}")
    assert settings_path(tmp_path, None) == tmp_path / "local.settings.json"
    assert settings_path(tmp_path, tmp_path / "other.json") == tmp_path / "other.json"


def test_explicit_settings_file_replaces_the_app_settings(spawn_host: Spawn, tmp_path: Path) -> None:
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps({"Values": {"FROM_FILE": "custom", "TICK_SCHEDULE": "0 0 0 1 1 *"}}))

    options = ("--keys-file", str(tmp_path / "keys.json"), "--settings", str(custom), "--no-auth")
    with spawn_host("webapp", *options) as host:
        assert requests.get(f"{host.url}/api/settings/FROM_FILE", timeout=10).text == "custom"


def test_missing_keys_file_is_created_with_random_keys_and_then_reused(spawn_host: Spawn, tmp_path: Path) -> None:
    keys_file = tmp_path / "nested" / "host-keys.json"

    with spawn_host("webapp", "--keys-file", str(keys_file)) as first:
        created = json.loads(keys_file.read_text())
    with spawn_host("webapp", "--keys-file", str(keys_file)) as second:
        assert second.info["functionKey"] == first.info["functionKey"]

    assert created["masterKey"] == first.info["masterKey"]
    assert created["functionKeys"] == {"default": first.info["functionKey"]}
    assert created["systemKeys"] == {"eventgrid_extension": first.info["eventGridKey"]}
    assert len({first.info["masterKey"], first.info["functionKey"], first.info["eventGridKey"]}) == 3


def test_a_trigger_naming_a_missing_setting_stops_the_start(tmp_path: Path, storage_connection_string: str) -> None:
    custom = tmp_path / "settings.json"
    custom.write_text(json.dumps({"Values": {"AzureWebJobsStorage": storage_connection_string}}))

    with pytest.raises(HostDidNotStart) as refused:
        start_host("queueapp", tmp_path, "--keys-file", str(tmp_path / "keys.json"), "--settings", str(custom))

    assert "'JOBS_QUEUE' is not defined" in refused.value.log
