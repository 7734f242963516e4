"""``python -m bench``: large-chunk copies side by side (ours, source only, sink only, naive) and the cold start.

Starts its own Azurite and the ACS emulator (synthetic WAV recordings, downloaded through its TLS proxy) on free ports,
runs every copy in a fresh process, prints one table, and writes ``bench/results/bench-<stamp>.json`` and ``.png``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import coldstart, report
from bench.acs import AcsSide, Chunk, acs_side
from local.azurite import Azurite, environ_without_proxy

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def size_of(text: str) -> int:
    """``64M``, ``1G``, ``512k`` or a byte count."""
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


def run_variant(variant: str, chunk: Chunk, args: argparse.Namespace, acs: AcsSide, storage: str) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench.variant", variant, str(chunk.size), "--acs", acs.connection_string,
        "--url", chunk.content_location, "--metadata-url", chunk.metadata_location,
        "--storage", storage, "--container", "bench",
        "--block", str(args.block), "--concurrency", str(args.concurrency), "--threshold", str(args.threshold),
    ]  # fmt: skip
    env = {**environ_without_proxy(), **acs.client_env}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{variant} at {chunk.size} bytes failed:\n{done.stderr[-3000:]}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def large_chunk(args: argparse.Namespace, state: Path) -> list[dict[str, Any]]:
    from azure.storage.blob import BlobServiceClient

    azurite = Azurite(location=state / "azurite").start()
    try:
        BlobServiceClient.from_connection_string(azurite.connection_string).create_container("bench")
        rows = []
        with acs_side(state) as acs:
            for size in args.sizes:
                [chunk] = acs.recording(size)
                expected = acs.sha256(chunk)
                for variant in args.variants:
                    row = run_variant(variant, chunk, args, acs, azurite.connection_string)
                    if "sha256" in row and row["sha256"] != expected:
                        raise RuntimeError(f"{variant} archived {chunk.size} bytes with the wrong SHA-256")
                    rows.append(row)
                    print(f"  {variant:<7} {chunk.size:>12} B  {report.throughput(row):8.1f} MiB/s", file=sys.stderr)
        return rows
    finally:
        azurite.stop()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="64M,1G", help="comma list of chunk sizes (default 64M,1G)")
    parser.add_argument("--variants", default="ours,source,sink,naive")
    parser.add_argument("--block", type=size_of, default=4 * 1024**2, help="block size (default 4M)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--threshold", type=size_of, default=8 * 1024**2, help="streaming threshold (default 8M)")
    parser.add_argument("--cold-runs", type=int, default=20, help="fresh processes per import (0 skips)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.sizes = [size_of(s) for s in args.sizes.split(",")]
    args.variants = [v.strip() for v in args.variants.split(",")]
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with tempfile.TemporaryDirectory(prefix="bench-") as state:
        rows = large_chunk(args, Path(state))
    result: dict[str, Any] = {
        "stamp": stamp,
        "settings": {"blockSizeBytes": args.block, "concurrency": args.concurrency, "thresholdBytes": args.threshold},
        "largeChunk": rows,
        "coldStart": coldstart.measure(args.cold_runs) if args.cold_runs else {"skipped": "--cold-runs 0"},
        "pipeline": {"skipped": "needs the local stack CLI (python -m local up --detach --json)"},
    }
    result["verdicts"] = report.verdicts(rows)
    json_path, png_path = report.write(result, args.out, stamp)
    print(report.table(rows))
    print("\n".join(result["verdicts"]))
    print(f"cold start: {json.dumps(result['coldStart'])}")
    print(f"results: {json_path}  chart: {png_path}")
    return result


if __name__ == "__main__":
    main()
