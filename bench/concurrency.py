"""The queue triggers' concurrency, measured: ``python -m bench.concurrency [--values 2:1,4:2,8:4,16:8] [--calls 100]``.

For each ``batchSize:newBatchThreshold`` (``extensions.queues`` in ``host.json``; at most ``batchSize +
newBatchThreshold`` messages of one queue run at once in one host) a fresh stack runs the pipeline burst with the
value given as app settings (``AzureFunctionsJobHost__extensions__queues__...``, as Azure Functions documents), then
the bare loop over the same chunks. ``--rounds`` repeats the sweep with the values in the other order (the machine's
load drifts). Prints one row per run: chunks/s of the stack and of the bare loop, their ratio, latency p50/p95, and
the CPU milliseconds per chunk that the host and Azurite spent on the burst. The value chosen, with the figures it
was chosen from, is in the README under "Settings" (``host.json`` holds no comments).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.pipeline import CONTAINER, bare_loop, process_cpu, through_stack
from local.stack import Stack, StackOptions

OVERRIDE = "AzureFunctionsJobHost__extensions__queues__"


def one_run(args: argparse.Namespace, value: tuple[int, int], state: Path) -> dict[str, Any]:
    batch, threshold = value
    settings = {
        "DELETE_SOURCE_AFTER_ARCHIVE": "false",
        "ARCHIVE_CONTAINER": CONTAINER,
        f"{OVERRIDE}batchSize": str(batch),
        f"{OVERRIDE}newBatchThreshold": str(threshold),
    }
    stack = Stack(StackOptions(state_dir=state, settings=settings, files_ready_delay=0.0)).start()
    try:
        info = dict(stack.info)
        pids = {name: info["pids"][name] for name in ("host", "azurite")}
        before = {name: process_cpu(pid) for name, pid in pids.items()}
        figures, recordings = through_stack(args, info)
        cpu = {name: process_cpu(pid) - before[name] for name, pid in pids.items()}
        bare = bare_loop(recordings, info, state)
    finally:
        stack.stop()
    chunks = max(figures["archived"], 1)
    return {
        "batchSize": batch,
        "newBatchThreshold": threshold,
        "chunksPerSecond": figures["chunksPerSecond"],
        "bareChunksPerSecond": bare["chunksPerSecond"],
        "ratio": round(figures["chunksPerSecond"] / max(float(bare["chunksPerSecond"]), 1e-9), 3),
        "lost": figures["lost"],
        "latencySeconds": figures["latencySeconds"],
        "cpuMsPerChunk": {name: round(seconds * 1000 / chunks, 1) for name, seconds in cpu.items()},
    }


def row(run: dict[str, Any]) -> str:
    latency, cpu = run["latencySeconds"], run["cpuMsPerChunk"]
    return (
        f"{run['batchSize']:>5}:{run['newBatchThreshold']:<5} {run['chunksPerSecond']:>8.2f} "
        f"{run['bareChunksPerSecond']:>8.2f} {run['ratio']:>6.2f} {latency.get('p50', 0):>7.2f} "
        f"{latency.get('p95', 0):>7.2f} {cpu['host']:>8.1f} {cpu['azurite']:>8.1f} {run['lost']:>4}"
    )


def main() -> None:
    from bench.__main__ import size_of

    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--values", default="2:1,4:2,8:4,16:8", help="batchSize:newBatchThreshold, comma separated")
    parser.add_argument("--calls", dest="pipeline_calls", type=int, default=100)
    parser.add_argument("--chunks", dest="pipeline_chunks", type=int, default=3)
    parser.add_argument("--chunk", dest="pipeline_chunk", type=size_of, default=1024**2)
    parser.add_argument("--timeout", dest="pipeline_timeout", type=float, default=600)
    parser.add_argument("--rounds", type=int, default=1, help="sweeps; every other one in reverse order")
    parser.add_argument("--out", type=Path, help="also write the runs here as JSON")
    args = parser.parse_args()
    values = [tuple(int(n) for n in v.split(":")) for v in args.values.split(",") if v.strip()]
    print(" batch:thr   stack/s   bare/s  ratio   p50 s   p95 s  host ms  azur ms  lost", flush=True)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="concurrency-") as state:
        for number in range(args.rounds):
            for value in values if number % 2 == 0 else values[::-1]:
                runs.append(one_run(args, (value[0], value[1]), Path(state) / f"run-{len(runs)}"))
                print(row(runs[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(runs, indent=1) + "\n")


if __name__ == "__main__":
    main()
