"""One local stack per scenario, plus the handles a scenario needs: clients, Event Grid posts, host restarts."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
import requests
from azure.storage.blob import BlobServiceClient, ContainerClient

from chaos.tokens import TokenMaker
from local.client import LocalClient
from local.stack import ROOT, Stack, StackOptions

log = logging.getLogger(__name__)
CHAOS_STATE = ROOT / ".local" / "chaos"


class HarnessError(RuntimeError):
    """The stack did not do what a scenario needs from it (start, restart, answer)."""


class ChaosStack:
    """A started ``local.stack.Stack`` in its own state folder, removed afterwards unless ``keep``."""

    def __init__(self, name: str, options: StackOptions | None = None, *, keep: bool = False) -> None:
        CHAOS_STATE.mkdir(parents=True, exist_ok=True)
        self.state_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=CHAOS_STATE))
        base = options or StackOptions()
        base.state_dir = self.state_dir
        self.stack = Stack(base)
        self.keep = keep
        self.http = requests.Session()
        self.http.trust_env = False

    def __enter__(self) -> ChaosStack:
        self.stack.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stack.stop()
        if self.keep or exc is not None:
            log.info("stack state kept in %s", self.state_dir)
        else:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    # -- handles ------------------------------------------------------------------------------------------------------
    @property
    def info(self) -> dict[str, Any]:
        return self.stack.info

    def client(self, host: int = 0) -> LocalClient:
        info = dict(self.info)
        info["functionsUrl"] = self.info["functionsUrls"][host]
        return LocalClient(info)

    def blobs(self) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(self.info["storageConnectionString"])

    def archive(self) -> ContainerClient:
        return self.blobs().get_container_client(self.info["archiveContainer"])

    def emulator(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        return self.client().emulator(method, path, body)

    def signing_key_pem(self) -> bytes:
        """The emulator's callback signing key (so tests can mint valid and subtly invalid tokens)."""
        return (self.state_dir / "emulator" / "callback-signing-key.pem").read_bytes()

    # -- raw requests to the host -------------------------------------------------------------------------------------
    def grid_url(self, host: int = 0, key: str | None = None) -> str:
        code = self.info.get("eventGridKey", "") if key is None else key
        url = f"{self.info['functionsUrls'][host]}/runtime/webhooks/EventGrid?functionName=acs_events"
        return f"{url}&code={code}" if code else url

    def post_grid(self, body: bytes | Sequence[Mapping[str, Any]], *, host: int = 0, key: str | None = None) -> int:
        """Deliver events (or any bytes) to the Event Grid webhook like Event Grid does; return the status."""
        data = body if isinstance(body, bytes) else json.dumps(list(body)).encode()
        headers = {"aeg-event-type": "Notification", "Content-Type": "application/json"}
        response = self.http.post(self.grid_url(host, key), data=data, headers=headers, timeout=60)
        return response.status_code

    def post(self, path: str, body: bytes, headers: Mapping[str, str], *, host: int = 0) -> requests.Response:
        url = f"{self.info['functionsUrls'][host]}{path}"
        return self.http.post(url, data=body, headers=dict(headers), timeout=60)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.info['functionsUrl']}{path}", timeout=60, **kwargs)

    # -- faults on the processes --------------------------------------------------------------------------------------
    def kill_host(self, name: str = "host") -> tuple[list[str], dict[str, str]]:
        """SIGKILL one host process; return its command line and environment for ``restart_host``."""
        args, env = self.launch(name)
        proc = self.stack.processes[name]
        proc.kill()
        proc.wait(30)
        return args, env

    def launch(self, name: str = "host") -> tuple[list[str], dict[str, str]]:
        """The command line and environment of a running host process (to start it again after it died)."""
        described = psutil.Process(self.stack.processes[name].pid)
        return described.cmdline(), described.environ()

    def exited(self, name: str = "host") -> bool:
        return self.stack.processes[name].poll() is not None

    def restart_host(self, name: str, args: list[str], env: dict[str, str], timeout: float = 90) -> None:
        """Start a host again with the same command line (port, keys file) and environment."""
        logs = self.state_dir / "logs"
        out = logs / f"{name}.out"
        out.unlink(missing_ok=True)
        with open(out, "wb") as stdout, open(logs / f"{name}.log", "ab") as stderr:
            proc = subprocess.Popen(
                args, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env, cwd=ROOT,
                start_new_session=True,
            )  # fmt: skip
        self.stack.processes[name] = proc
        deadline = time.monotonic() + timeout
        while "\n" not in (out.read_text() if out.exists() else ""):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"{name} did not come back; see {logs / (name + '.log')}")
            time.sleep(0.1)

    def storage_outage(self, seconds: float) -> None:
        """Stop Azurite, wait, start it again on the same ports with the same data folder."""
        azurite = self.stack.azurite
        if azurite is None:
            raise HarnessError("the stack has no Azurite")
        azurite.stop()
        time.sleep(seconds)
        azurite.start()

    def host_log(self, name: str = "host") -> str:
        path = self.state_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def emulator_ready_line(self) -> dict[str, Any]:
        """What the emulator announced at start (issuer, audience, JWKS URL, ...)."""
        text = (self.state_dir / "logs" / "emulator.out").read_text()
        found: dict[str, Any] = json.loads(text.splitlines()[0])
        return found

    def tokens(self) -> TokenMaker:
        ready = self.emulator_ready_line()
        jwks = self.http.get(ready["jwksUrl"], verify=self.info["caBundle"], timeout=30).json()
        kid = str(jwks["keys"][0]["kid"])
        return TokenMaker(self.signing_key_pem(), kid, str(ready["issuer"]), str(ready["audience"]))
