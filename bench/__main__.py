"""``python -m bench``: every figure of the archive side by side in one run, printed as one table.

1. Large chunk: ours, source only, sink only and the naive copy, each in a fresh process against Azurite and the ACS
   emulator started here (``bench.large``).
2. Pipeline: recordings through the whole local stack against a bare copy loop (``bench.pipeline``).
3. Cold start: Microsoft's runtime loading ``function_app.py`` against a one-function app (``bench.coldstart``).
4. Recorded hour: an unmixed WAV and a mixed MP3 recording through the stack against their floors (``bench.hour``).
5. Answer latency: IncomingCall -> answer, warm, after a fresh host and against a bare loop (``bench.answer``).

Writes ``bench/results/bench-<stamp>.json`` and the chart ``.png`` beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import coldstart, report
from bench.answer import answer_latency
from bench.hour import recorded_hour
from bench.large import large_chunk
from bench.pipeline import pipeline
from shared.config import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}
DEFAULTS = {field.name: field.default for field in dataclasses.fields(Settings)}  # the app's own defaults


def size_of(text: str) -> int:
    """``64M``, ``1G``, ``512k`` or a byte count."""
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="64M,256M,1G", help="comma list of chunk sizes (default 64M,256M,1G)")
    parser.add_argument("--variants", default="ours,source,sink,naive")
    parser.add_argument("--baseline", help="also measure our archive path as of this git ref (variant 'before')")
    parser.add_argument("--block", type=size_of, default=DEFAULTS["block_size_bytes"], help="block size (app default)")
    parser.add_argument("--concurrency", type=int, default=DEFAULTS["archive_concurrency"], help="lanes (app default)")
    parser.add_argument(
        "--threshold", type=size_of, default=DEFAULTS["streaming_threshold_bytes"], help="streaming threshold"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each copy, interleaved; the best counts")
    parser.add_argument("--pipeline-calls", type=int, default=200, help="calls through the stack (0 skips)")
    parser.add_argument("--pipeline-single", type=int, default=20, help="single calls on the idle stack (0 skips)")
    parser.add_argument("--pipeline-chunks", type=int, default=3, help="chunks per call")
    parser.add_argument("--pipeline-chunk", type=size_of, default=1024**2, help="chunk size (default 1M)")
    parser.add_argument(
        "--design-workers", type=int, default=4, help="processes of the design loop (the design's requests, no app)"
    )
    parser.add_argument("--pipeline-timeout", type=float, default=600, help="seconds to wait for the archive")
    parser.add_argument("--cold-runs", type=int, default=20, help="fresh processes per import (0 skips)")
    parser.add_argument("--hour-seconds", type=float, default=3600, help="media per recorded-hour recording (0 skips)")
    parser.add_argument("--hour-timeout", type=float, default=1800, help="seconds to wait for one recording's archive")
    parser.add_argument("--answer-calls", type=int, default=200, help="answered calls, warm and bare loop (0 skips)")
    parser.add_argument("--answer-cold", type=int, default=10, help="fresh host processes, one call each")
    parser.add_argument("--answer-gap", type=float, default=0.3, help="seconds between an answer and the next call")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.sizes = [size_of(s) for s in args.sizes.split(",") if s.strip()]
    args.variants = [v.strip() for v in args.variants.split(",")]
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with tempfile.TemporaryDirectory(prefix="bench-") as state:
        rows = large_chunk(args, Path(state)) if args.sizes else []
        flow = pipeline(args, Path(state)) if args.pipeline_calls else {"skipped": "--pipeline-calls 0"}
        hour = recorded_hour(args, Path(state)) if args.hour_seconds else {"skipped": "--hour-seconds 0"}
        answer = answer_latency(args, Path(state)) if args.answer_calls else {"skipped": "--answer-calls 0"}
    result: dict[str, Any] = {
        "stamp": stamp,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {
            "blockSizeBytes": args.block, "concurrency": args.concurrency, "thresholdBytes": args.threshold,
            "repeat": args.repeat, "baseline": args.baseline,
        },
        "largeChunk": rows,
        "pipeline": flow,
        "coldStart": coldstart.measure(args.cold_runs) if args.cold_runs else {"skipped": "--cold-runs 0"},
        "recordedHour": hour,
        "answer": answer,
    }  # fmt: skip
    result["verdicts"] = report.verdicts(result)
    json_path, png_path = report.write(result, args.out, stamp)
    print(report.text(result))
    print(f"results: {json_path}  chart: {png_path}")
    return result


if __name__ == "__main__":
    main()
