"""Start and stop Azurite (the npm package pinned in ``package.json``) on chosen ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class AzuriteMissing(RuntimeError):
    """Azurite is not installed (run ``npm ci``)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def connection_string(blob: int, queue: int, table: int, host: str = "127.0.0.1") -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint=http://{host}:{blob}/{ACCOUNT};QueueEndpoint=http://{host}:{queue}/{ACCOUNT};"
        f"TableEndpoint=http://{host}:{table}/{ACCOUNT};"
    )


def executable() -> Path:
    found = ROOT / "node_modules" / ".bin" / "azurite"
    if not found.exists():
        raise AzuriteMissing(f"{found} not found: run `npm ci` (or `make setup`)")
    return found


def node() -> str:
    """The Node that runs Azurite: the one ``package.json`` pins (the npm package ``node``, which Azurite's engines
    ask for), else the one on PATH."""
    pinned = ROOT / "node_modules" / ".bin" / "node"
    if pinned.exists():
        return str(pinned)
    found = shutil.which("node")
    if found is None:
        raise AzuriteMissing("node is not on PATH and node_modules has none: run `npm ci` (or `make setup`)")
    return found


def command() -> list[str]:
    """Azurite's entry script run by ``node()``."""
    return [node(), str(executable().resolve())]


@dataclass
class Azurite:
    """One Azurite process with its data folder; ``start()`` returns once all three ports answer."""

    location: Path
    blob_port: int = 0
    queue_port: int = 0
    table_port: int = 0
    access_log: bool = False  # one line per request in azurite.log (method, path, status): round trips counted
    process: subprocess.Popen[bytes] | None = None

    @property
    def connection_string(self) -> str:
        return connection_string(self.blob_port, self.queue_port, self.table_port)

    def start(self, timeout: float = 60.0) -> Azurite:
        self.blob_port = self.blob_port or free_port()
        self.queue_port = self.queue_port or free_port()
        self.table_port = self.table_port or free_port()
        self.location.mkdir(parents=True, exist_ok=True)
        args = [
            *command(),
            *(() if self.access_log else ("--silent",)),
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
            "--location",
            str(self.location),
            "--blobHost",
            "127.0.0.1",
            "--queueHost",
            "127.0.0.1",
            "--tableHost",
            "127.0.0.1",
            "--blobPort",
            str(self.blob_port),
            "--queuePort",
            str(self.queue_port),
            "--tablePort",
            str(self.table_port),
        ]
        log = open(self.location / "azurite.log", "ab")  # noqa: SIM115 - owned by the child process
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for port in (self.blob_port, self.queue_port, self.table_port):
            while not _answers(port):
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"Azurite exited with {self.process.returncode}; see {self.location}/azurite.log"
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Azurite did not open port {port} within {timeout:.0f}s")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def environ_without_proxy() -> dict[str, str]:
    """The current environment minus proxy settings (Azurite is always reached directly)."""
    return {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
