"""Binding expressions in output paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from local.host.expressions import BindingExpressionError, format_datetime, resolve

NOW = datetime(2024, 5, 1, 7, 8, 9, 123456, tzinfo=UTC)


def test_properties_and_dotted_paths_come_from_the_trigger_data_ignoring_case() -> None:
    data = {"serverCallId": "abc", "chunk": {"index": 3}}

    assert resolve("rec/{servercallid}/{chunk.index}.wav", data) == "rec/abc/3.wav"


def test_settings_are_substituted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_CONTAINER", "recordings")

    assert resolve("%ARCHIVE_CONTAINER%/{id}", {"id": "x"}) == "recordings/x"


def test_datetime_defaults_to_the_host_format_and_takes_a_dotnet_format() -> None:
    assert resolve("{DateTime}", {}, NOW) == "2024-05-01T07-08-09Z"
    assert resolve("{datetime:yyyy}/{DateTime:MM}/{DateTime:dd}", {}, NOW) == "2024/05/01"
    assert format_datetime(NOW, "HH:mm:ss.fff") == "07:08:09.123"


def test_rand_guid_is_fresh_each_time_and_n_drops_the_hyphens() -> None:
    first, second = resolve("{rand-guid}", {}), resolve("{rand-guid}", {})

    assert first != second
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", first)
    assert re.fullmatch(r"[0-9a-f]{32}", resolve("{rand-guid:N}", {}))


@pytest.mark.parametrize("template", ["{missing}", "{chunk.missing}", "{chunk.index.deeper}", "%NO_SUCH_SETTING_X%/a"])
def test_an_unresolvable_expression_raises(template: str) -> None:
    with pytest.raises(BindingExpressionError):
        resolve(template, {"chunk": {"index": 1}})
