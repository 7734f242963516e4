"""A case exported from Azurite (``python -m tools.case``) and verified offline (``python -m tools.audit --case``):
the recordings, timelines and access log of the chosen calls with a signed chain-of-custody record, signed with a key
file or a Key Vault key (the local vault of ``tests.integration.keyvault``); a changed byte, a removed or added file,
an edited timeline or a custody record signed with another key fails the audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.signing import new_key_file, public_path, public_pem
from tests.integration.app.emulated import Acs
from tests.integration.app.functions import App
from tests.integration.app.test_access_log_flow import read_file
from tests.integration.app.test_erasure_flow import archived
from tests.integration.keyvault.key_vault import KeyVaultService, Refusal, key_id
from tests.integration.keyvault.test_key_vault_requests import VAULT, VERSION, Credential, vault  # noqa: F401
from tools.audit.__main__ import main as audit
from tools.case.__main__ import main as export_case


@pytest.fixture
def exporter_key(tmp_path: Path) -> Path:
    key = tmp_path / "exporter.pem"
    new_key_file(key)
    return key


def exported(app: App, storage: str, sid_folder: str, key: Path | str, out: Path, credential: Any = None) -> int:
    args = ["--call", sid_folder, "--exported-by", "records@contoso.example", "--reason", "subpoena 2026-44"]
    args += ["--signing-key", str(key), "--out", str(out), "--connection-string", storage]
    args += ["--container", app.archive.container_name, "--calls-table", app.deps.settings.calls_table]
    return export_case(args, credential)


def verified(app: App, out: Path, key: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = audit(
        ["--case", str(out), "--public-key", str(app.public_key), "--public-key", str(public_path(key)), "--json"]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def case(
    app: App, acs: Acs, storage_connection_string: str, exporter_key: Path, tmp_path: Path
) -> tuple[Path, dict[str, Any]]:
    sid, folder, manifest = archived(app, acs)
    assert read_file(sid, folder, "chunk-0000.wav", "bytes=0-99") == 206
    out = tmp_path / "case"
    assert exported(app, storage_connection_string, folder.split("/")[3], exporter_key, out) == 0
    return out, manifest


def test_an_exported_case_holds_everything_and_verifies_offline(
    app: App, case: tuple[Path, dict[str, Any]], exporter_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, manifest = case
    custody = json.loads((out / "custody.json").read_text())
    assert (custody["exportedBy"], custody["reason"]) == ("records@contoso.example", "subpoena 2026-44")
    names = {f["path"] for f in custody["files"]}
    assert f"archive/{manifest['chunks'][0]['blobPath']}" in names
    assert any(n.startswith("archive/access-log/") for n in names)
    assert any(n.startswith("timelines/") for n in names)
    code, report = verified(app, out, exporter_key, capsys)
    assert code == 0, report
    assert report["accessLog"]["reads"] == 1
    assert [r["ok"] for r in report["recordings"]] == [True]


def test_a_changed_byte_in_the_case_fails(
    app: App, case: tuple[Path, dict[str, Any]], exporter_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, manifest = case
    media = out / "archive" / manifest["chunks"][0]["blobPath"]
    data = bytearray(media.read_bytes())
    data[-1] ^= 1
    media.write_bytes(bytes(data))
    code, report = verified(app, out, exporter_key, capsys)
    assert code == 1
    assert any("custody.json says" in p for p in report["problems"])


def test_a_removed_or_added_file_fails(
    app: App, case: tuple[Path, dict[str, Any]], exporter_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = case
    (log,) = (out / "archive" / "access-log").rglob("*.jsonl")
    log.unlink()
    (out / "extra.txt").write_text("x")
    code, report = verified(app, out, exporter_key, capsys)
    assert code == 1
    assert "extra.txt: in the case but not in custody.json" in report["problems"]
    assert any("listed in custody.json but not in the case" in p for p in report["problems"])


def test_an_edited_timeline_fails_against_the_manifests_timeline_seal(
    app: App, case: tuple[Path, dict[str, Any]], exporter_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = case
    (timeline,) = (out / "timelines").glob("*.json")
    lines = json.loads(timeline.read_text())
    lines[0]["at"] = "2000-01-01T00:00:00+00:00"
    timeline.write_text(json.dumps(lines))
    code, report = verified(app, out, exporter_key, capsys)
    assert code == 1
    assert any("are not the timeline" in p for p in report["problems"])


def test_a_custody_record_signed_with_a_key_the_auditor_does_not_trust_fails(
    app: App, case: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, _ = case
    stranger = tmp_path / "stranger.pem"
    new_key_file(stranger)
    code, report = verified(app, out, stranger, capsys)
    assert code == 1
    assert any(p.startswith("custody.json: its signature by") for p in report["problems"])


def test_an_unknown_call_or_an_existing_directory_is_refused(
    app: App, storage_connection_string: str, exporter_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exported(app, storage_connection_string, "QUJDRA", exporter_key, tmp_path / "new") == 1
    assert "unknown call QUJDRA" in capsys.readouterr().err
    assert not (tmp_path / "new").exists(), "nothing is written for a case that cannot be exported"
    assert exported(app, storage_connection_string, "QUJDRA", exporter_key, tmp_path) == 1
    assert "exists already" in capsys.readouterr().err


def test_a_case_signed_with_a_key_vault_key_verifies_with_the_vault_keys_public_key(
    app: App,
    acs: Acs,
    storage_connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    _sid, folder, _manifest = archived(app, acs)
    local_vault: KeyVaultService = request.getfixturevalue("vault")  # from here on, vault.azure.net is the local vault
    public = tmp_path / "exporter.pub.pem"
    public.write_bytes(public_pem(local_vault.add_key(VAULT, "case-signing", VERSION)))  # az keyvault key download
    key, out = key_id(VAULT, "case-signing", VERSION), tmp_path / "case"
    assert exported(app, storage_connection_string, folder.split("/")[3], key, out, Credential) == 0
    custody = json.loads((out / "custody.json").read_text())
    assert custody["signature"]["kid"] == key
    assert [r.path for r in local_vault.backend.requests if r.method == "POST" and r.authorization] == [
        f"/keys/case-signing/{VERSION}/sign"
    ], "signed in the vault"
    capsys.readouterr()
    code = audit(["--case", str(out), "--public-key", str(app.public_key), "--public-key", str(public), "--json"])
    assert code == 0, capsys.readouterr().out


def test_a_key_vault_that_refuses_to_sign_fails_the_export(
    app: App,
    acs: Acs,
    storage_connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    _sid, folder, _manifest = archived(app, acs)
    local_vault: KeyVaultService = request.getfixturevalue("vault")
    local_vault.add_key(VAULT, "case-signing", VERSION)
    local_vault.backend.refuse_sign = Refusal(403, "Forbidden", "Caller is not authorized.", "ForbiddenByRbac")
    key = key_id(VAULT, "case-signing", VERSION)
    assert exported(app, storage_connection_string, folder.split("/")[3], key, tmp_path / "case", Credential) == 1
    assert "HTTP 403" in capsys.readouterr().err
    assert not (tmp_path / "case" / "custody.json").exists()
