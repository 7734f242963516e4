import os
import subprocess
import sys
from pathlib import Path

from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient

ROOT = Path(__file__).resolve().parents[2]


def test_the_session_azurite_serves_blob_queue_and_table(storage_connection_string: str, unique_name: str) -> None:
    container = BlobServiceClient.from_connection_string(storage_connection_string).create_container(unique_name)
    container.upload_blob("a/b.txt", b"hello")
    assert container.download_blob("a/b.txt").readall() == b"hello"
    queue = QueueClient.from_connection_string(storage_connection_string, unique_name)
    queue.create_queue()
    queue.send_message("m")
    assert [m.content for m in queue.receive_messages()] == ["m"]
    table = TableServiceClient.from_connection_string(storage_connection_string).create_table(unique_name)
    table.create_entity({"PartitionKey": "p", "RowKey": "r", "v": 1})
    assert table.get_entity("p", "r")["v"] == 1


PROBE_CONFTEST = """
import local.azurite
from local.azurite import AzuriteMissing

def _absent():
    raise AzuriteMissing("node_modules/.bin/azurite not found: run `npm ci`")

local.azurite.executable = _absent
pytest_plugins = ["tests.fixtures.azurite"]
"""


def run_probe(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """A pytest run of one test that needs the session Azurite, on a machine where Azurite is absent."""
    (tmp_path / "conftest.py").write_text(PROBE_CONFTEST)
    (tmp_path / "test_probe.py").write_text("def test_needs_azurite(azurite):\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tmp_path)]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120)


def test_without_azurite_the_session_fixture_skips_and_says_why(tmp_path: Path) -> None:
    result = run_probe(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "Azurite is not installed" in result.stdout


def test_under_ci_a_missing_azurite_fails_the_run(tmp_path: Path) -> None:
    result = run_probe(tmp_path, "true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "required for this run but missing: Azurite is not installed" in result.stdout
    assert "skipped" not in result.stdout
