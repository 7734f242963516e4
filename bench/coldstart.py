"""Cold start: Microsoft's runtime importing, validating, indexing and loading ``function_app.py``, against the same
for a one-function app (``bench/coldstart_app``), each in fresh processes.

Both sides go through ``local.host.worker.load`` (the runtime's ``worker_init_request``,
``functions_metadata_request`` and one ``function_load_request`` per function), timed from after the host's own
imports, so the ratio is what this app adds to the runtime's fixed cost before its first invocation.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "coldstart_app"
PROBE = (
    "import time; from pathlib import Path; from local.host import worker; "
    "t = time.perf_counter(); count = len(worker.load(Path({app!r}))); print(time.perf_counter() - t, count)"
)


def load_seconds(app: Path) -> tuple[float, int]:
    """Seconds for the runtime to load ``app`` in a fresh interpreter, and how many functions it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(app=str(app))], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seconds, count = done.stdout.split()
    return float(seconds), int(count)


def measure(runs: int) -> dict[str, Any]:
    """Median load time of both apps and their ratio; ``skipped`` when the app has no function_app.py yet."""
    if not (ROOT / "function_app.py").exists():
        return {"skipped": "function_app.py does not exist yet"}
    app, base = [], []
    functions = 0
    for _ in range(runs):  # alternated, so a busy moment of the machine hits both alike
        seconds, functions = load_seconds(ROOT)
        app.append(seconds)
        base.append(load_seconds(REFERENCE)[0])
    return {
        "runs": runs,
        "functions": functions,
        "functionAppMedianSeconds": statistics.median(app),
        "referenceAppMedianSeconds": statistics.median(base),
        "ratio": statistics.median(app) / statistics.median(base),
        "target": 1.25,
    }
