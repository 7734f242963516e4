"""The host process starts with the app settings the C library reads only at process start, as Azure's host starts
its worker with every app setting in the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.host import settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_host_process_starts_with_the_allocators_arena_limit(stack_info: dict[str, Any]) -> None:
    if "pids" not in stack_info:
        pytest.skip("an external stack: its host's environment is not readable from here")
    example = settings.read_values(ROOT / "local.settings.json.example")
    assert settings.process_start(example) == {"MALLOC_ARENA_MAX": "2"}
    wanted = settings.process_start(settings.read_values(settings.settings_path(ROOT, None)))
    assert wanted, (
        "local.settings.json names no MALLOC_ARENA_MAX: it predates it; `./local/cli settings` writes it anew"
    )
    raw = Path(f"/proc/{stack_info['pids']['host']}/environ").read_bytes()
    environment = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    assert {name: environment.get(name) for name in wanted} == wanted
