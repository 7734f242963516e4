"""App settings: ``local.settings.json`` (or its ``.example``) under environment overrides, and ``%Setting%`` lookups."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

_PERCENT = re.compile(r"%([^%]+)%")
PROCESS_START_SETTINGS = ("MALLOC_ARENA_MAX",)
"""App settings the C library reads once, as the process starts: glibc's malloc takes its arena limit from
``MALLOC_ARENA_MAX`` (mallopt(3), ``M_ARENA_MAX``) before the first allocation. Azure's Functions host starts the
worker process with every app setting in its environment; this host runs the worker in its own process, so these
apply only when whatever starts the host puts them in its environment (``local.stack`` does, from the settings
file); setting them in ``os.environ`` later changes nothing."""


class SettingError(LookupError):
    """A setting an app or binding refers to is missing."""


def settings_path(app_dir: Path, settings_file: Path | None) -> Path | None:
    """The explicit file, else ``local.settings.json``, else ``local.settings.json.example``, else none."""
    if settings_file is not None:
        return settings_file
    for name in ("local.settings.json", "local.settings.json.example"):
        if (app_dir / name).is_file():
            return app_dir / name
    return None


def read_values(path: Path | None) -> dict[str, str]:
    """The ``Values`` section as strings (Core Tools passes every value as a string)."""
    if path is None:
        return {}
    document = json.loads(path.read_text(encoding="utf-8"))
    values = document.get("Values") or {}
    return {str(key): _as_text(value) for key, value in values.items()}


def process_start(values: Mapping[str, str]) -> dict[str, str]:
    """The ``PROCESS_START_SETTINGS`` among ``values``, for the environment a host process is started with."""
    return {name: values[name] for name in PROCESS_START_SETTINGS if name in values}


def merged(values: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """File values, under the current environment, under explicit overrides."""
    result = {key: os.environ.get(key, value) for key, value in values.items()}
    result.update(overrides)
    return result


@contextmanager
def applied(settings: Mapping[str, str]) -> Iterator[None]:
    """Put ``settings`` into ``os.environ``; restore the previous values on exit."""
    previous = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def setting(name: str) -> str:
    """One app setting, or ``SettingError`` naming it."""
    value = os.environ.get(name)
    if value is None:
        raise SettingError(f"app setting {name!r} is not defined")
    return value


def resolve_percent(text: str) -> str:
    """Replace every ``%Setting%`` in ``text`` with the setting's value."""
    return _PERCENT.sub(lambda match: setting(match.group(1)), text)


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
