"""The host's keys: a master key, function keys and the Event Grid extension's system key, kept in one JSON file."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

EVENT_GRID_KEY = "eventgrid_extension"


@dataclass(frozen=True)
class HostKeys:
    """``{"masterKey": ..., "functionKeys": {name: key}, "systemKeys": {name: key}}`` on disk."""

    master: str
    function_keys: dict[str, str] = field(default_factory=dict)
    system_keys: dict[str, str] = field(default_factory=dict)

    @property
    def function_key(self) -> str:
        return self.function_keys.get("default") or next(iter(self.function_keys.values()), "")

    @property
    def event_grid_key(self) -> str:
        return self.system_keys.get(EVENT_GRID_KEY, "")

    def is_function_key(self, key: str) -> bool:
        """A function key or the master key (what an ``AuthLevel.FUNCTION`` trigger accepts)."""
        return self.is_master(key) or _any_equal(key, self.function_keys.values())

    def is_master(self, key: str) -> bool:
        return _any_equal(key, [self.master])

    def is_system_key(self, name: str, key: str) -> bool:
        """The named system key, or the master key."""
        return self.is_master(key) or _any_equal(key, [self.system_keys.get(name, "")])

    def to_json(self) -> dict[str, object]:
        return {"masterKey": self.master, "functionKeys": self.function_keys, "systemKeys": self.system_keys}


def load_or_create(path: Path) -> HostKeys:
    """Read the keys file; create it with random keys (and fill in missing ones) when needed."""
    document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    keys = HostKeys(
        master=document.get("masterKey") or _new_key(),
        function_keys=dict(document.get("functionKeys") or {"default": _new_key()}),
        system_keys={EVENT_GRID_KEY: _new_key(), **(document.get("systemKeys") or {})},
    )
    if keys.to_json() != document:
        _write_atomically(path, json.dumps(keys.to_json(), indent=2))
        log.info("wrote host keys to %s", path)
    return keys


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)


def _new_key() -> str:
    return secrets.token_urlsafe(40)


def _any_equal(key: str, candidates: Iterable[str]) -> bool:
    return bool(key) and any(secrets.compare_digest(key, candidate) for candidate in candidates if candidate)
