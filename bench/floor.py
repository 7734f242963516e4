"""The copy's cost floor: the CPU that moving ``size`` bytes costs on this machine however well the copy is written.

``python -m bench.floor <size> [--block B]`` runs in a fresh process and prints one JSON line.

What a copy cannot avoid, per byte of the chunk, and how each part is measured here (CPU seconds of the measuring
thread, ``time.thread_time``, user + system, so the kernel's socket work counts as it does for the copy):

- ``sha256``: SHA-256 of every byte (``hashlib``, OpenSSL), fed in ``block``-sized pieces;
- ``download``: receiving the bytes over TLS on loopback TCP and decrypting them, as the SDK's TLS stack does it:
  Python's ``ssl`` (OpenSSL) with the client context ``urllib3`` builds for ``requests`` (the transport of
  azure-core), against a server context like the ACS emulator's, so the cipher is the one the copy negotiates
  (printed as ``cipher``);
- ``upload``: sending the bytes on loopback TCP, encrypted with the same TLS client context (``uploadTls``, what
  a copy to Azure Blob storage does) or in plain TCP (``uploadPlain``: the local benchmark's Azurite speaks HTTP);
- ``downloadPlain``: receiving the bytes in plain TCP (a read-back from the local Azurite; ``downloadTls`` is what
  a read-back from Azure Blob storage costs).

``split`` (two-channel PCM split into its mono channels by the app's own code, ``split_cpu``) is measured beside
them but is no part of any floor: ``bench.hour`` prices the per-speaker files' own work with it.

The benchmark's copy downloads through the emulator's TLS endpoint and uploads to Azurite over plain HTTP, so its
floor is ``sha256 + download + upload(plain)``; ``uploadTls`` is measured too, and ``floorAzureCpuSeconds`` (the floor
with a TLS upload, as in Azure) is printed beside it. HTTP framing, one request per block, connection set-up and
the peer's work (another process) are not in the floor: they are the overhead the ratio copy CPU / floor shows.
Receiving over TLS costs a call into ``ssl`` per TLS record (16 KiB at most), as it does the SDK: that is part of the
floor. Each part is measured on up to ``SAMPLE_BYTES`` and scaled to the chunk's size, the least of ``ROUNDS``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
HOST = "localhost"
SAMPLE_BYTES = 256 * MIB  # bytes measured per part (the floor is linear in the bytes)
ROUNDS = 3  # measurements per part; the least counts
PARTS = ("sha256", "downloadTls", "downloadPlain", "uploadPlain", "uploadTls", "split")


def sha256_cpu(size: int, block: int) -> float:
    """CPU seconds to hash ``size`` bytes fed ``block`` bytes at a time."""
    data = memoryview(os.urandom(block))
    digest = hashlib.sha256()
    started = time.thread_time()
    for offset in range(0, size, block):
        digest.update(data[: min(block, size - offset)])
    return time.thread_time() - started


def split_cpu(size: int) -> float:
    """CPU seconds to split ``size`` bytes of two-channel 16-bit PCM into one mono channel each with the app's own
    ``shared.pcmwav.channel_samples``, in the pieces the split takes. Not a part of the floor (it prices bytes moved
    and hashed): the per-speaker files' own work, priced beside it."""
    from shared.archive.source import READ_PIECE_BYTES  # the pieces the split takes, as the copy reads them
    from shared.pcmwav import PCM, WavFormat, channel_samples

    stereo = WavFormat(tag=PCM, channels=2, sample_rate=16000, bits=16)
    piece = os.urandom(READ_PIECE_BYTES)
    started = time.thread_time()
    for offset in range(0, size, READ_PIECE_BYTES):
        frames = piece[: min(READ_PIECE_BYTES, size - offset)]
        for channel in range(stereo.channels):
            channel_samples(frames, stereo, channel)
    return time.thread_time() - started


def contexts(state: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context issued by the emulator's local CA, and the client context of ``requests``/``urllib3``."""
    from urllib3.util.ssl_ import create_urllib3_context

    from local.emulator.tls import LocalCA

    ca = LocalCA.load_or_create(state)
    server = ca.server_context([HOST], ["127.0.0.1"])
    client = create_urllib3_context()
    client.load_verify_locations(ca.ca_path)
    return server, client


def _peer(listener: socket.socket, server: ssl.SSLContext | None, work: Callable[[socket.socket], None]) -> None:
    connection, _ = listener.accept()
    with connection:
        wrapped = server.wrap_socket(connection, server_side=True) if server is not None else connection
        with wrapped:
            work(wrapped)


def _transfer(
    size: int, block: int, client: ssl.SSLContext | None, server: ssl.SSLContext | None, *, send: bool
) -> tuple[float, str]:
    """CPU seconds of this thread to send (or receive) ``size`` bytes to (from) a peer thread; and the cipher."""
    payload = memoryview(os.urandom(block))
    buffer = memoryview(bytearray(block))  # allocated before the clock starts, as ``payload`` is

    def sender(sock: socket.socket) -> None:
        for offset in range(0, size, block):
            sock.sendall(payload[: min(block, size - offset)])

    def receiver(sock: socket.socket) -> None:
        left = size
        while left:
            got = sock.recv_into(buffer, min(block, left))
            if not got:
                raise ConnectionError(f"peer closed with {left} bytes to go")
            left -= got

    with socket.create_server(("127.0.0.1", 0)) as listener:
        # The peer is another process: its work, and its share of the interpreter lock, are not the copy's.
        peer = multiprocessing.get_context("fork").Process(
            target=_peer, args=(listener, server, receiver if send else sender)
        )
        peer.start()
        raw = socket.create_connection(listener.getsockname())
        sock = client.wrap_socket(raw, server_hostname=HOST) if client is not None else raw
        with sock:
            started = time.thread_time()
            (sender if send else receiver)(sock)
            seconds = time.thread_time() - started
            cipher = sock.cipher() if isinstance(sock, ssl.SSLSocket) else None
            peer.join(60)  # closing first could reset the connection with bytes still in flight
    if peer.exitcode != 0:
        raise RuntimeError(f"the floor's peer process failed ({peer.exitcode})")
    return seconds, (f"{cipher[1]} {cipher[0]}" if cipher else "none")


def measure(size: int, block: int, sample: int = SAMPLE_BYTES, rounds: int = ROUNDS) -> dict[str, Any]:
    """Every part of the floor for ``size`` bytes, in CPU seconds.

    The floor is linear in the bytes, so up to ``sample`` bytes are measured and scaled to ``size``; each part is
    measured ``rounds`` times and the least counts (the least CPU the work took is its cost; the rest is the load of
    a shared machine, and a lower floor only makes the copy's ratio worse).
    """
    measured = min(size, sample)
    parts: dict[str, list[float]] = {part: [] for part in PARTS}
    with tempfile.TemporaryDirectory(prefix="floor-") as state:
        server, client = contexts(Path(state))
        for _ in range(rounds):
            download, cipher = _transfer(measured, block, client, server, send=False)
            parts["downloadTls"].append(download)
            parts["uploadTls"].append(_transfer(measured, block, client, server, send=True)[0])
            parts["uploadPlain"].append(_transfer(measured, block, None, None, send=True)[0])
            parts["downloadPlain"].append(_transfer(measured, block, None, None, send=False)[0])
            parts["sha256"].append(sha256_cpu(measured, block))
            parts["split"].append(split_cpu(measured))
    cpu = {name: round(min(values) * size / max(measured, 1), 4) for name, values in parts.items()}
    return {
        "size": size,
        "measuredBytes": measured,
        "blockBytes": block,
        "cipher": cipher,
        "cpuSeconds": cpu,
        "floorCpuSeconds": round(cpu["sha256"] + cpu["downloadTls"] + cpu["uploadPlain"], 4),
        "floorAzureCpuSeconds": round(cpu["sha256"] + cpu["downloadTls"] + cpu["uploadTls"], 4),
    }


def run_floor(size: int, block: int) -> dict[str, Any]:
    """``measure`` in a fresh process (as every copy is measured)."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "bench.floor", str(size), "--block", str(block)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=root)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def lowest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the lowest floor, with every run's floor (CPU seconds are a measurement: the least is the cost)."""
    best = dict(min(runs, key=lambda run: float(run["floorCpuSeconds"])))
    best["floorCpuSecondsAll"] = [run["floorCpuSeconds"] for run in runs]
    return best


def per_byte(found: dict[str, Any]) -> dict[str, float]:
    """CPU seconds per byte of each part of a ``measure`` result."""
    return {name: float(seconds) / max(int(found["size"]), 1) for name, seconds in found["cpuSeconds"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("size", type=int)
    parser.add_argument("--block", type=int, default=4 * MIB, help="piece size for hashing, sending and receiving")
    args = parser.parse_args()
    print(json.dumps(measure(args.size, args.block)))


if __name__ == "__main__":
    main()
