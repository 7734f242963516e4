"""Large-chunk copies side by side: each variant in a fresh process, rounds interleaved, best of ``--repeat``.

Besides wall time and peak RSS, every run records the CPU seconds spent by the three processes involved: the copy
itself, the ACS side (the emulator, in this process) and the storage side (Azurite). On a machine where all three
share the cores, their sum over the core count is a floor on the copy's wall time. Each round also measures the
copy's cost floor for the same bytes (``bench.floor``, in a fresh process), attached to our rows as ``floor``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import floor, report
from bench.acs import AcsSide, Chunk, acs_side
from local.azurite import Azurite, environ_without_proxy

ROOT = Path(__file__).resolve().parent.parent


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux ``/proc``; 0 elsewhere)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


BASELINE = "before"  # the variant name of our archive path as of ``--baseline REF``


def baseline_tree(ref: str, state: Path) -> Path:
    """``shared/`` as of ``ref``, extracted into ``state`` (a ``before`` copy runs there, the rest from here)."""
    tree = state / "baseline"
    tree.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", ref, "shared"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def command(variant: str, chunk: Chunk, args: argparse.Namespace, acs: AcsSide, storage: str) -> list[str]:
    return [
        sys.executable, "-m", "bench.variant", "ours" if variant == BASELINE else variant, str(chunk.size), "--acs", acs.connection_string,
        "--url", chunk.content_location, "--metadata-url", chunk.metadata_location,
        "--storage", storage, "--container", "bench",
        "--block", str(args.block), "--concurrency", str(args.concurrency), "--threshold", str(args.threshold),
    ]  # fmt: skip


def run_once(variant: str, chunk: Chunk, args: argparse.Namespace, acs: AcsSide, azurite: Azurite) -> dict[str, Any]:
    """One measured copy; ``cpuSeconds``: the copy's own process during the timed copy, the ACS and storage sides
    during the whole run of that process (they are idle while it starts)."""
    storage_pid = azurite.process.pid if azurite.process else 0
    env, cwd = {**environ_without_proxy(), **acs.client_env}, ROOT
    if variant == BASELINE:  # ``shared`` from the baseline tree (the current directory wins), the rest from here
        env["PYTHONPATH"], cwd = str(ROOT), args.baseline_tree
    before = (children_cpu(), time.process_time(), process_cpu(storage_pid))
    done = subprocess.run(
        command(variant, chunk, args, acs, azurite.connection_string),
        env=env, capture_output=True, text=True, check=False, cwd=cwd,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{variant} at {chunk.size} bytes failed:\n{done.stderr[-3000:]}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    row["variant"] = variant
    row["cpuSeconds"] = {
        "copy": round(float(row.pop("copyCpuSeconds", children_cpu() - before[0])), 3),
        "acs": round(time.process_time() - before[1], 3),
        "storage": round(process_cpu(storage_pid) - before[2], 3),
    }
    return row


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run, with every run's seconds, the least copy CPU and the highest peak RSS seen."""
    best = dict(min(runs, key=lambda run: float(run["seconds"])))
    best["secondsAll"] = [round(float(run["seconds"]), 4) for run in runs]
    best["secondsMedian"] = statistics.median(float(run["seconds"]) for run in runs)
    best["peakRssBytes"] = max(int(run["peakRssBytes"]) for run in runs)
    best["copyCpuSecondsAll"] = [run["cpuSeconds"]["copy"] for run in runs]
    best["copyCpuSecondsMin"] = min(best["copyCpuSecondsAll"])
    return best


def measure_size(size: int, args: argparse.Namespace, acs: AcsSide, azurite: Azurite) -> list[dict[str, Any]]:
    [chunk] = acs.recording(size)
    expected = acs.sha256(chunk)
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in args.variants}
    floors = []
    for _ in range(args.repeat):
        floors.append(floor.run_floor(chunk.size, args.block))
        for variant in args.variants:
            row = run_once(variant, chunk, args, acs, azurite)
            if "sha256" in row and row["sha256"] != expected:
                raise RuntimeError(f"{variant} archived {chunk.size} bytes with the wrong SHA-256")
            runs[variant].append(row)
            print(f"  {variant:<7} {chunk.size:>12} B  {report.throughput(row):8.1f} MiB/s", file=sys.stderr)
    rows = [best_of(runs[variant]) for variant in args.variants]
    for row in rows:
        if row["variant"] in ("ours", BASELINE):
            row["floor"] = floor.lowest(floors)  # the same bytes' unavoidable CPU, measured in the same rounds
    return rows


def large_chunk(args: argparse.Namespace, state: Path) -> list[dict[str, Any]]:
    """Every size x variant, against one Azurite and one emulator started here."""
    from azure.storage.blob import BlobServiceClient

    azurite = Azurite(location=state / "azurite").start()
    try:
        BlobServiceClient.from_connection_string(azurite.connection_string).create_container("bench")
        if args.baseline:
            args.baseline_tree = baseline_tree(args.baseline, state)
            at = args.variants.index("ours") + 1 if "ours" in args.variants else len(args.variants)
            args.variants = [*args.variants[:at], BASELINE, *args.variants[at:]]
        with acs_side(state) as acs:
            return [row for size in args.sizes for row in measure_size(size, args, acs, azurite)]
    finally:
        azurite.stop()
