"""The benchmark's table, its JSON result and the chart (throughput and peak RSS against chunk size)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report_calls import answer_table, answer_verdicts, hour_table, hour_verdicts

MIB = 1024 * 1024
LABELS = {
    "ours": "(a) ours",
    "before": "(a0) ours before",
    "source": "(b) source only",
    "sink": "(c) sink only",
    "naive": "(d) naive copy",
}


def throughput(row: dict[str, Any]) -> float:
    return float(row["size"]) / MIB / max(float(row["seconds"]), 1e-9)


def _large_verdicts(rows: list[dict[str, Any]]) -> list[str]:
    by = {(r["variant"], r["size"]): r for r in rows}
    sizes = sorted({r["size"] for r in rows})
    lines = []
    for size in sizes:
        if all((v, size) in by for v in ("ours", "source", "sink")):
            ratio = throughput(by["ours", size]) / min(throughput(by["source", size]), throughput(by["sink", size]))
            lines.append(f"{size / MIB:.4g} MiB: (a) / min((b), (c)) = {ratio:.2f} (target >= 0.85)")
        if ("ours", size) in by and ("before", size) in by:
            speedup = throughput(by["ours", size]) / throughput(by["before", size])
            lines.append(f"{size / MIB:.4g} MiB: (a) / (a0) = {speedup:.2f} (our path against its baseline)")
        if ("ours", size) in by:
            rss = by["ours", size]["peakRssBytes"] / MIB
            lines.append(f"{size / MIB:.4g} MiB: peak RSS of (a) {rss:.0f} MiB (target <= 100 at any size)")
    ours = [by["ours", s] for s in sizes if ("ours", s) in by]
    if len(ours) >= 2:
        growth = (ours[-1]["peakRssBytes"] - ours[0]["peakRssBytes"]) / MIB
        lines.append(f"peak RSS of (a) grows {growth:.1f} MiB from smallest to largest (target <= 16)")
    return lines


def _cost(row: dict[str, Any]) -> tuple[float, float]:
    """Copy CPU (the least of the runs) and its floor, in CPU seconds per GiB."""
    per_gib = 1024**3 / float(row["size"])
    copy = float(row.get("copyCpuSecondsMin", row["cpuSeconds"]["copy"]))
    return copy * per_gib, float(row["floor"]["floorCpuSeconds"]) * per_gib


def cost_table(rows: list[dict[str, Any]]) -> list[str]:
    """Our copy's CPU against the floor for the same bytes (``bench.floor``), and its peak RSS."""
    mine = sorted((r for r in rows if r["variant"] in ("ours", "before") and "floor" in r), key=lambda r: r["size"])
    if not mine:
        return []
    lines = [
        "cost: copy CPU of the copy process (least of the runs) against the floor for the same bytes: SHA-256 + TLS",
        "receive (the download is TLS, as from ACS) + plain TCP send (the upload goes to Azurite over HTTP, so no TLS);",
        "'Azure' adds TLS to the upload, as a copy to Blob storage pays. CPU-s per GiB.",
        f"{'chunk':>10}  {'variant':<16}  {'copy':>5}  {'floor':>5}  {'ratio':>5}  {'sha/tlsIn/tcpOut':>16}  "
        f"{'Azure':>5}  {'peak RSS MiB':>12}",
    ]
    for row in sorted(mine, key=lambda r: (r["size"], r["variant"] != "ours")):
        copy, floor = _cost(row)
        parts, per_gib = row["floor"]["cpuSeconds"], 1024**3 / float(row["size"])
        split = "/".join(f"{float(parts[k]) * per_gib:.2f}" for k in ("sha256", "downloadTls", "uploadPlain"))
        azure = float(row["floor"]["floorAzureCpuSeconds"]) * per_gib
        lines.append(
            f"{row['size'] / MIB:>8.4g}Mi  {LABELS[row['variant']]:<16}  {copy:>5.2f}  {floor:>5.2f}  "
            f"{copy / floor:>5.2f}  {split:>16}  {azure:>5.2f}  {row['peakRssBytes'] / MIB:>12.1f}"
        )
    lines.append(f"TLS as negotiated by urllib3's client context: {mine[0]['floor'].get('cipher')}")
    return lines


def _cost_verdicts(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in sorted((r for r in rows if r["variant"] == "ours" and "floor" in r), key=lambda r: r["size"]):
        copy, floor = _cost(row)
        lines.append(
            f"{row['size'] / MIB:.4g} MiB: copy CPU {copy:.2f} CPU-s/GiB = {copy / floor:.2f} x the floor "
            f"{floor:.2f} (target <= 1.5 at 256 MiB and 1 GiB)"
        )
    return lines


def cpu_floor(row: dict[str, Any], cores: int) -> float:
    """Seconds the copy needs at least when its three processes share ``cores`` cores: their CPU over the cores."""
    return sum(float(v) for v in (row.get("cpuSeconds") or {}).values()) / max(cores, 1)


def _floor_verdicts(rows: list[dict[str, Any]], cores: int) -> list[str]:
    by = {(r["variant"], r["size"]): r for r in rows}
    lines = []
    for size in sorted({r["size"] for r in rows}):
        if all((v, size) in by for v in ("ours", "source", "sink")):
            floor = cpu_floor(by["ours", size], cores)
            best = min(throughput(by["source", size]), throughput(by["sink", size]))
            lines.append(
                f"{size / MIB:.4g} MiB: (a) needs {floor * cores:.1f} CPU-s across copy, ACS and storage: no faster "
                f"than {floor:.2f} s on {cores} cores, at most {size / MIB / floor / best:.2f} of min((b), (c)) here; "
                f"(a) took {by['ours', size]['seconds']:.2f} s"
            )
    return lines


def verdicts(result: dict[str, Any]) -> list[str]:
    """The issue's targets against this run's figures, one line each."""
    cores = int((result.get("machine") or {}).get("cpus") or 1)
    rows = result.get("largeChunk", [])
    lines = _large_verdicts(rows) + _cost_verdicts(rows) + _floor_verdicts(rows, cores)
    flow = result.get("pipeline", {})
    if "ratio" in flow:
        lines.append(
            f"pipeline: {flow['ratio']:.2f} of the bare loop's chunks/s (target >= {flow.get('target', 0.8)}), "
            f"{flow['stack']['lost']} of {flow['stack']['chunks']} chunks lost (target 0)"
        )
    if "cpuRatio" in flow:
        lines.append(
            f"pipeline: CPU per chunk, bare loop / whole stack = {flow['cpuRatio']:.2f} (all processes; what bounds the "
            "ratio when the cores are busy)"
        )
    if "designRatio" in flow:
        lines.append(
            f"pipeline: the design loop (the design's requests for each chunk, no app or host code, "
            f"{flow['designLoop']['workers']} processes) reaches {flow['designRatio']:.2f} of the bare loop's chunks/s: "
            f"the most the design leaves on this machine; the whole stack reaches {flow['ofDesign']:.2f} of it"
        )
    single = flow.get("singleCall", {}).get("latencySeconds")
    if single:
        lines.append(
            f"pipeline: one call on the idle stack, files-ready -> verified p50/p95/p99 "
            f"{single['p50']:.2f}/{single['p95']:.2f}/{single['p99']:.2f} s"
        )
    cold = result.get("coldStart", {})
    if "ratio" in cold:
        lines.append(
            f"cold start: the runtime loading function_app / a one-function app = {cold['ratio']:.2f} (target <= 1.25)"
        )
    return [*lines, *hour_verdicts(result.get("recordedHour", {})), *answer_verdicts(result.get("answer", {}))]


def _cpu(row: dict[str, Any]) -> str:
    cpu = row.get("cpuSeconds") or {}
    return "/".join(f"{float(cpu.get(k, 0)):.1f}" for k in ("copy", "acs", "storage"))


def large_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'chunk':>10}  {'variant':<16}  {'MiB/s':>7}  {'seconds':>8}  {'peak RSS MiB':>12}  CPU s copy/ACS/storage"
    ]
    for row in sorted(rows, key=lambda r: (r["size"], list(LABELS).index(r["variant"]))):
        lines.append(
            f"{row['size'] / MIB:>8.4g}Mi  {LABELS[row['variant']]:<16}  {throughput(row):>7.1f}  "
            f"{row['seconds']:>8.2f}  {row['peakRssBytes'] / MIB:>12.1f}  {_cpu(row)}"
        )
    return lines


def pipeline_table(flow: dict[str, Any]) -> list[str]:
    if "stack" not in flow:
        return [f"pipeline: {flow.get('skipped', 'not run')}"]
    lines = [
        f"pipeline: {flow['calls']} calls x {flow['chunksPerCall']} chunks x {flow['chunkBytes'] / MIB:.2f} MiB",
        f"{'':>10}  {'run':<16}  {'chunks/s':>8}  {'p50 s':>7}  {'p95 s':>7}  {'p99 s':>7}  lost  CPU ms/chunk",
    ]
    single = flow.get("singleCall", {})
    if "latencySeconds" in single:
        latency = single["latencySeconds"]
        lines.append(
            f"{'':>10}  {'one call, idle':<16}  {'':>8}  {latency.get('p50', 0):>7.2f}  "
            f"{latency.get('p95', 0):>7.2f}  {latency.get('p99', 0):>7.2f}  ({single['calls']} calls, one at a time)"
        )
    for label, run in (("whole stack", flow["stack"]), ("bare loop", flow["bareLoop"])):
        latency = run["latencySeconds"]
        lines.append(
            f"{'':>10}  {label:<16}  {run['chunksPerSecond']:>8.1f}  {latency.get('p50', 0):>7.2f}  "
            f"{latency.get('p95', 0):>7.2f}  {latency.get('p99', 0):>7.2f}  {run.get('lost', ''):>4}  {_cpu_split(run)}"
        )
    design = flow.get("designLoop")
    if design:
        label = f"design loop x{design['workers']}"
        lines.append(
            f"{'':>10}  {label:<16}  {design['chunksPerSecond']:>8.1f}  {'':>7}  {'':>7}  {'':>7}  "
            f"{design.get('lost', ''):>4}  "
            f"{_cpu_split(design)}"
        )
    return lines


def _cpu_split(run: dict[str, Any]) -> str:
    cpu = run.get("cpuMsPerChunk") or {}
    return " + ".join(f"{name} {ms:.0f}" for name, ms in cpu.items())


def text(result: dict[str, Any]) -> str:
    """The run's one table: large chunks, pipeline, cold start, recorded hour, answer latency, then the verdicts."""
    rows = result.get("largeChunk", [])
    lines = [*large_table(rows), "", *cost_table(rows), "", *pipeline_table(result.get("pipeline", {}))]
    cold = result.get("coldStart", {})
    if "ratio" in cold:
        lines.append(
            f"cold start ({cold['runs']} processes each, the runtime's init, metadata and loads):"
            f" function_app ({cold['functions']} functions) {cold['functionAppMedianSeconds'] * 1000:.0f} ms,"
            f" one-function app {cold['referenceAppMedianSeconds'] * 1000:.0f} ms (medians)"
        )
    calls = [*hour_table(result.get("recordedHour", {})), "", *answer_table(result.get("answer", {}))]
    return "\n".join([*lines, "", *calls, "", *result.get("verdicts", [])])


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Throughput and peak RSS against chunk size, every variant (ours against the naive copy above all)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for variant, label in LABELS.items():
        mine = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["size"])
        if not mine:
            continue
        sizes = [r["size"] / MIB for r in mine]
        speed.plot(sizes, [throughput(r) for r in mine], marker="o", label=label)
        memory.plot(sizes, [r["peakRssBytes"] / MIB for r in mine], marker="o", label=label)
    for axis, title, unit in ((speed, "Throughput", "MiB/s"), (memory, "Peak RSS (log scale)", "MiB")):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("chunk size (MiB)")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    memory.set_yscale("log", base=2)
    if rows:
        speed.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(result: dict[str, Any], folder: Path, stamp: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, png_path = folder / f"bench-{stamp}.json", folder / f"bench-{stamp}.png"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    chart(result["largeChunk"], png_path)
    return json_path, png_path
