"""Cold start: ``import function_app`` against ``import azure.functions`` alone, each in fresh processes."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def measure(runs: int) -> dict[str, Any]:
    """Median import time of both modules and their ratio; ``skipped`` when the app has no function_app.py yet."""
    if not (ROOT / "function_app.py").exists():
        return {"skipped": "function_app.py does not exist yet"}
    app, base = [], []
    for _ in range(runs):  # alternated, so a busy moment of the machine hits both alike
        app.append(import_seconds("function_app"))
        base.append(import_seconds("azure.functions"))
    return {
        "runs": runs,
        "functionAppMedianSeconds": statistics.median(app),
        "azureFunctionsMedianSeconds": statistics.median(base),
        "ratio": statistics.median(app) / statistics.median(base),
        "target": 1.25,
    }
