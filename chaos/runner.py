"""Runs scenarios, one stack each, and reports them as one table and one JSON document."""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from chaos.result import Result
from chaos.scenarios import (
    auth,
    binding_faults,
    competing,
    crash,
    download_faults,
    duplicates,
    hostile,
    retention,
    storage_outage,
)
from chaos.scenarios.common import Size

log = logging.getLogger(__name__)
_ORDER = (duplicates, download_faults, crash, binding_faults, storage_outage, competing, hostile, auth, retention)
SCENARIOS: dict[str, ModuleType] = {module.NAME: module for module in _ORDER}
RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("scenario", "load", "faults", "expected", "archived", "verified", "lost", "duplicated", "corrupted",
           "errors", "ok")  # fmt: skip


def run_one(name: str, size: Size, keep: bool = False) -> Result:
    """Run one scenario; an exception becomes an error in its row rather than ending the run."""
    run: Callable[[Size, bool], Result] = SCENARIOS[name].run
    started = time.monotonic()
    try:
        result = run(size, keep)
    except Exception as exc:  # a scenario that cannot finish is reported, and the others still run
        log.exception("scenario %s could not finish", name)
        result = Result(name)
        result.error(f"scenario did not finish: {exc!r}")
    result.seconds = round(time.monotonic() - started, 1)
    return result


def run_all(names: Sequence[str], size: Size, keep: bool = False) -> list[Result]:
    results = []
    for name in names:
        log.info("scenario %s: starting", name)
        results.append(run_one(name, size, keep))
        log.info("scenario %s: %s in %.0f s", name, "ok" if results[-1].ok else "FAILED", results[-1].seconds)
    return results


def row(result: Result) -> list[str]:
    values = result.as_json()
    return [("yes" if values[c] else "NO") if c == "ok" else str(values[c]) for c in COLUMNS]


def table(results: Sequence[Result]) -> str:
    rows = [list(COLUMNS), *(row(r) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def details(results: Sequence[Result]) -> str:
    out = []
    for result in results:
        broken = ", ".join(result.broken) or "none"
        out.append(f"{result.scenario} ({result.seconds:.0f} s): {len(result.checks)} checks, broken: {broken}")
        out.extend(f"    {note}" for note in result.notes[:12])
    return "\n".join(out)


def document(results: Sequence[Result], size: Size, command: str) -> dict[str, Any]:
    return {
        "command": command,
        "size": "small" if size.small else "full",
        "finishedAt": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "system": platform.platform()},
        "ok": all(r.ok for r in results),
        "scenarios": [r.as_json() for r in results],
    }


def write(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
