"""The gate: Microsoft's runtime (azure-functions-runtime, the version requirements.txt pins) indexes and loads the
product's ``function_app.py`` and every toy app, each in its own process, and refuses an app it would refuse in
Azure, with its own message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import APPS, ROOT

PRODUCT_FUNCTIONS = 22  # erase_participant: one participant's recordings across calls


def index(app_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "local.host", "--app-dir", str(app_dir), "--index-only"]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


def loaded(app_dir: Path) -> dict[str, list[dict[str, object]]]:
    """The functions the runtime loaded, or the test fails with the runtime's message."""
    finished = index(app_dir)
    if finished.returncode != 0:
        pytest.fail(f"the runtime refused {app_dir}: {finished.stderr.strip()}")
    functions: dict[str, list[dict[str, object]]] = json.loads(finished.stdout)
    return functions


def test_the_runtime_loads_every_function_of_the_product() -> None:
    functions = loaded(ROOT)

    assert len(functions) == PRODUCT_FUNCTIONS
    assert {"acs_events", "callbacks", "archive_chunk", "verify_chunk", "sweeper"} <= set(functions)


@pytest.mark.parametrize("app", ["webapp", "queueapp"])
def test_the_runtime_loads_every_function_of_the_toy_apps(app: str) -> None:
    assert loaded(APPS / app)


def test_an_app_that_fails_to_import_is_refused_with_its_error() -> None:
    finished = index(APPS / "broken")

    assert finished.returncode == 1
    assert "this app cannot be imported" in finished.stderr


def test_a_builtin_generic_inside_out_is_refused_as_azure_refuses_it(tmp_path: Path) -> None:
    """The runtime validates binding annotations and refuses the whole app over one it cannot use."""
    shutil.copytree(ROOT / "tests" / "host" / "apps" / "queueapp", tmp_path / "app")
    script = tmp_path / "app" / "function_app.py"
    script.write_text(script.read_text().replace("func.Out[List[str]]", "func.Out[list[str]]"))

    finished = index(tmp_path / "app")

    assert finished.returncode == 1
    assert "binding out has invalid non-type annotation" in finished.stderr
