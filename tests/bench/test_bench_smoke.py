"""A tiny run of ``python -m bench`` so the benchmark keeps working (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main
from local.azurite import AzuriteMissing
from tests.fixtures.needs import missing

KIB = 1024


def test_a_tiny_benchmark_run_measures_every_figure_and_writes_json_and_chart(tmp_path: Path) -> None:
    try:
        result = main([
            "--sizes", "300k", "--block", "128k", "--threshold", "256k", "--repeat", "1", "--baseline", "HEAD",
            "--pipeline-calls", "1", "--pipeline-chunks", "2", "--pipeline-chunk", "64k", "--pipeline-single", "1",
            "--design-workers", "2",
            "--cold-runs", "1", "--hour-seconds", "3", "--answer-calls", "3", "--answer-cold", "1",
            "--answer-gap", "0.1", "--out", str(tmp_path),
        ])  # fmt: skip
    except AzuriteMissing as exc:
        missing(f"the benchmark needs Azurite: {exc}")
    rows = result["largeChunk"]
    assert {(r["variant"], round(r["size"] / KIB)) for r in rows} == {
        (v, 300) for v in ("ours", "before", "source", "sink", "naive")
    }
    assert all(r["seconds"] > 0 and r["peakRssBytes"] > 0 and r["cpuSeconds"]["copy"] > 0 for r in rows)
    assert all(r["streamed"] for r in rows if r["variant"] in ("ours", "before"))
    floors = [r["floor"] for r in rows if r["variant"] in ("ours", "before")]
    assert len(floors) == 2
    assert all(f["floorCpuSeconds"] > 0 and f["cipher"].startswith("TLS") for f in floors)
    assert any("x the floor" in line for line in result["verdicts"])
    stack = result["pipeline"]["stack"]
    assert (stack["chunks"], stack["archived"], stack["lost"], stack["mediaBlobs"]) == (2, 2, 0, 2)
    assert result["pipeline"]["bareLoop"]["chunks"] == 2
    assert result["pipeline"]["designLoop"]["chunks"] == 2, "the design loop copied and read back every chunk"
    assert (result["pipeline"]["bareLoop"]["lost"], result["pipeline"]["designLoop"]["lost"]) == (0, 0)
    assert set(result["pipeline"]["designLoop"]["cpuMsPerChunk"]) == {"loop", "azurite", "emulator"}
    assert any("the design loop" in line for line in result["verdicts"])
    assert result["pipeline"]["singleCall"]["chunks"] == 2, "the idle single call's chunks each have a latency"
    assert set(stack["cpuMsPerChunk"]) == {"host", "azurite", "emulator"}
    assert set(result["pipeline"]["bareLoop"]["cpuMsPerChunk"]) == {"bare", "azurite", "emulator"}
    assert result["coldStart"]["runs"] == 1
    assert any(line.startswith("pipeline:") for line in result["verdicts"])
    hour = result["recordedHour"]
    kinds = {(r["format"], r["channel"]): r for r in hour["recordings"]}
    assert set(kinds) == {("wav", "unmixed"), ("mp3", "mixed")}
    assert kinds["wav", "unmixed"]["blobs"]["participant"] > 0, "the unmixed WAV got one file per participant"
    assert "participant" not in kinds["mp3", "mixed"]["blobs"]
    for row in hour["recordings"]:
        assert row["blobs"]["media"] == row["mediaBytes"]
        assert row["cpuRatio"] > 0
        assert row["timeRatio"] > 0
        assert row["hostPeakRssBytes"] > 0
        assert set(row["cpuSecondsPerHour"]) == {"host", "emulator", "azurite"}
    assert hour["floor"]["cpuSeconds"]["downloadPlain"] > 0
    answer = result["answer"]
    assert answer["coldRuns"] == 1
    assert all(answer[run]["p99"] > 0 for run in ("warmMs", "bareLoopMs", "appRowsLoopMs", "coldMs"))
    assert any(line.startswith("answer: warm p99") for line in result["verdicts"])
    assert any("the app's rows loop" in line for line in result["verdicts"])
    assert set(answer["cpuMsPerCall"]) == {"warm", "bare", "appRows"}
    assert answer["cpuMsPerCall"]["warm"] > 0, "the host's CPU over its calls (clock ticks: the loops' may read 0)"
    assert any(line.startswith("recorded hour, wav unmixed") for line in result["verdicts"])
    [json_file] = tmp_path.glob("bench-*.json")
    assert json.loads(json_file.read_text())["largeChunk"] == rows
    [png] = tmp_path.glob("bench-*.png")
    assert png.read_bytes().startswith(b"\x89PNG")
