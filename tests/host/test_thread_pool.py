"""The function thread pool's size, as the Python worker sets it (``PYTHON_THREADPOOL_THREAD_COUNT``)."""

from __future__ import annotations

import logging

import pytest

from local.host.invoker import thread_count


def test_without_the_setting_the_pool_has_pythons_default_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_THREADPOOL_THREAD_COUNT", raising=False)
    assert thread_count() is None  # ThreadPoolExecutor(None): min(32, cores + 4), the worker's default from 3.9 on


def test_the_setting_sizes_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_THREADPOOL_THREAD_COUNT", "4")
    assert thread_count() == 4


@pytest.mark.parametrize("value", ["0", "-2", "many", "1.5"])
def test_a_value_the_worker_refuses_falls_back_to_the_default_with_a_warning(
    value: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PYTHON_THREADPOOL_THREAD_COUNT", value)
    with caplog.at_level(logging.WARNING):
        assert thread_count() is None
    assert "PYTHON_THREADPOOL_THREAD_COUNT must be a whole number" in caplog.text
