"""host.json as the local host reads it: documented defaults, and app settings that override its values."""

from __future__ import annotations

import json
from pathlib import Path

from local.host.hostjson import QueueOptions, load


def _app(tmp_path: Path, queues: dict[str, object]) -> Path:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": queues}}))
    return tmp_path


def test_queue_settings_come_from_host_json(tmp_path: Path) -> None:
    config = load(_app(tmp_path, {"batchSize": 8, "newBatchThreshold": 3}), environ={})

    assert (config.queues.batch_size, config.queues.new_batch_threshold) == (8, 3)


def test_an_app_setting_overrides_a_host_json_value_whatever_the_case_of_its_path(tmp_path: Path) -> None:
    environ = {
        "AzureFunctionsJobHost__extensions__queues__batchSize": "2",
        "AZUREFUNCTIONSJOBHOST__Extensions__Queues__NewBatchThreshold": "1",
        "OTHER_SETTING": "x",
    }

    config = load(_app(tmp_path, {"batchSize": 8, "newBatchThreshold": 4, "maxDequeueCount": 7}), environ=environ)

    assert (config.queues.batch_size, config.queues.new_batch_threshold) == (2, 1)
    assert config.queues.max_dequeue_count == 7


def test_an_override_may_add_a_section_host_json_does_not_have(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0"}))

    config = load(tmp_path, environ={"AzureFunctionsJobHost__extensions__queues__batchSize": "4"})

    assert config.queues.batch_size == 4
    assert config.queues.new_batch_threshold == 2  # batchSize / 2 when host.json does not say


def test_without_host_json_or_overrides_the_documented_defaults_hold(tmp_path: Path) -> None:
    assert load(tmp_path, environ={}).queues == QueueOptions()
