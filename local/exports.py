"""What the running stack hands to other tools: shell exports, a ``local.settings.json``, an Event Grid subscription."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from local.stack import ROOT, StackError, event_grid_subscription, webhook_url

EXAMPLE_SETTINGS = ROOT / "local.settings.json.example"
_HTTP = requests.Session()
_HTTP.trust_env = False  # the stack is on loopback: never through a proxy from the caller's environment


def shell_exports(info: Mapping[str, Any]) -> str:
    """``export NAME=value`` lines for ``eval "$(./local/cli env)"``."""
    values = {
        "FUNCTIONS_URL": info["functionsUrl"],
        "FUNCTION_KEY": info.get("functionKey", ""),
        "EVENTGRID_KEY": info.get("eventGridKey", ""),
        "EMULATOR_URL": info["emulatorUrl"],
        "EMULATOR_CA": info["caBundle"],
        "ACS_CONNECTION_STRING": info["acsConnectionString"],
        "AzureWebJobsStorage": info["storageConnectionString"],
    }
    lines = [f"# the local stack on {info.get('stateDir', '')}", *_exports(values)]
    lines.append("# the emulator's client environment: the ACS SDK reaches the emulator and downloads recordings")
    lines.append("# through its proxy (which serves only *.asm.skype.com), trusting its local CA")
    lines += _exports(info.get("clientEnv") or {})
    return "\n".join(lines)


def _exports(values: Mapping[str, Any]) -> list[str]:
    return [f"export {name}={shlex.quote(str(value))}" for name, value in values.items()]


def local_settings(info: Mapping[str, Any], port: int) -> dict[str, Any]:
    """``local.settings.json`` for a host on ``port`` against this stack: the example's values, wired to it."""
    example = json.loads(EXAMPLE_SETTINGS.read_text())
    values: dict[str, str] = dict(example["Values"])
    values.update(
        AzureWebJobsStorage=info["storageConnectionString"],
        ACS_CONNECTION_STRING=info["acsConnectionString"],
        CALLBACK_BASE_URL=f"http://127.0.0.1:{port}",
        CALLBACK_JWKS_URL=info["jwksUrl"],
        CALLBACK_JWT_ISSUER=info["issuer"],
        CALLBACK_JWT_AUDIENCE=info["audience"],
        ACS_RESOURCE_ID=info.get("topic", ""),
        CALLBACK_AUTH_DISABLED="false",
        MANIFEST_SIGNING_KEY=info.get("manifestSigningKey", ""),
        ARCHIVE_CONTAINER=info.get("archiveContainer", values.get("ARCHIVE_CONTAINER", "recordings")),
    )
    values.update(info.get("clientEnv") or {})
    return {"IsEncrypted": False, "Values": values}


def write_settings(info: Mapping[str, Any], port: int, output: Path, force: bool) -> Path:
    if output.exists() and not force:
        raise StackError(f"{output} exists; pass --force to replace it (it may hold settings of a real resource)")
    output.write_text(json.dumps(local_settings(info, port), indent=2) + "\n")
    return output


def subscribe(info: Mapping[str, Any], endpoint: str, key: str, wait: float) -> str:
    """Point the stack's Event Grid subscription at ``endpoint`` (a Functions base URL or a full webhook URL)."""
    url = webhook_url(endpoint, key) if urlsplit(endpoint).path in ("", "/") else endpoint
    body = event_grid_subscription(url, str(info.get("eventSchema", "EventGridSchema")))
    deadline = time.monotonic() + wait
    while True:
        response = _HTTP.post(
            f"{info['emulatorUrl']}/_emulator/subscriptions", json=body, verify=info["caBundle"], timeout=60
        )
        if response.status_code < 300:
            return url
        if time.monotonic() > deadline:
            raise StackError(f"the emulator could not subscribe {url}: {_message(response)}")
        time.sleep(1)


def _message(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code} {response.text[:200]}"
