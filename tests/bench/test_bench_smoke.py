"""A tiny run of ``python -m bench`` so the benchmark keeps working (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from local.azurite import AzuriteMissing


def test_a_tiny_benchmark_run_measures_every_variant_and_writes_json_and_chart(tmp_path: Path) -> None:
    try:
        result = main(["--sizes", "300k,1M", "--block", "128k", "--threshold", "256k", "--cold-runs", "0",
                       "--out", str(tmp_path)])  # fmt: skip
    except AzuriteMissing as exc:
        pytest.skip(f"the benchmark needs Azurite: {exc}")
    rows = result["largeChunk"]
    assert {(r["variant"], r["size"]) for r in rows} == {
        (v, s) for v in ("ours", "source", "sink", "naive") for s in (300 * 1024, 1024 * 1024)
    }
    assert all(r["seconds"] > 0 and r["peakRssBytes"] > 0 for r in rows)
    assert all(r["streamed"] for r in rows if r["variant"] == "ours")
    [json_file] = tmp_path.glob("bench-*.json")
    assert json.loads(json_file.read_text())["largeChunk"] == rows
    [png] = tmp_path.glob("bench-*.png")
    assert png.read_bytes().startswith(b"\x89PNG")
