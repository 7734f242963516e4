"""The composition root: nothing built at import, everything built from settings on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from shared import bootstrap
from shared.acs import AcsCallAutomation
from shared.config import ConfigError
from shared.legalhold import BlobLegalHolds
from shared.store.table import TableCallStore

ROOT = Path(__file__).resolve().parents[3]


def test_importing_function_app_builds_nothing_and_loads_no_azure_sdk() -> None:
    probe = (
        "import sys, json, function_app\n"
        "from shared import bootstrap\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('azure.storage', 'azure.data', 'azure.communication',"
        " 'azure.identity', 'jwt', 'requests')))\n"
        "print(json.dumps({'built': bootstrap._built is not None, 'heavy': heavy,"
        " 'functions': [f.get_function_name() for f in function_app.app.get_functions()]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, env={})
    found = json.loads(result.stdout)
    assert found["built"] is False
    assert found["heavy"] == []
    assert sorted(found["functions"]) == sorted(
        [
            "acs_events",
            "callbacks",
            "start_recording",
            "recording_command",
            "get_call",
            "list_calls",
            "search_calls",
            "recording_archive",
            "chunk_media",
            "recording_file",
            "list_quarantine",
            "review_page",
            "review_asset",
            "legal_hold",
            "erase_call",
            "erase_participant",
            "access_log",
            "archive_chunk",
            "verify_chunk",
            "chunk_poison",
            "verify_poison",
            "sweeper",
        ]
    )


def test_deps_are_built_once_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, storage_connection_string: str, unique_name: str
) -> None:
    table = unique_name  # letters and digits, starting with a letter: a valid table name
    values = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    for name, value in {**values, "AzureWebJobsStorage": storage_connection_string, "CALLS_TABLE": table}.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    try:
        built = bootstrap.deps()
        assert bootstrap.deps() is built
        assert isinstance(built.store, TableCallStore)
        assert isinstance(built.acs, AcsCallAutomation)
        assert built.verifier is not None
        assert isinstance(built.holds, BlobLegalHolds)
        names = [t.name for t in TableServiceClient.from_connection_string(storage_connection_string).list_tables()]
        assert table in names
    finally:
        bootstrap.reset()


def test_a_signing_key_file_that_cannot_be_read_stops_the_build_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, storage_connection_string: str, unique_name: str, tmp_path: Path
) -> None:
    values = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    missing = tmp_path / "no-such-key.pem"
    settings = {**values, "AzureWebJobsStorage": storage_connection_string, "CALLS_TABLE": unique_name}
    for name, value in {**settings, "MANIFEST_SIGNING_KEY": str(missing)}.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    try:
        with pytest.raises(ConfigError, match=f"MANIFEST_SIGNING_KEY: cannot read the signing key {missing}"):
            bootstrap.deps()
    finally:
        bootstrap.reset()
        TableServiceClient.from_connection_string(storage_connection_string).delete_table(unique_name)
