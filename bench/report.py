"""The benchmark's table, its JSON result and the chart (throughput and peak RSS against chunk size)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
LABELS = {"ours": "(a) ours", "source": "(b) source only", "sink": "(c) sink only", "naive": "(d) naive copy"}


def throughput(row: dict[str, Any]) -> float:
    return float(row["size"]) / MIB / max(float(row["seconds"]), 1e-9)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, per size: (a) >= 0.85 x min((b), (c)); peak RSS of (a) <= 200 MiB; growth <= 32 MiB."""
    by = {(r["variant"], r["size"]): r for r in rows}
    sizes = sorted({r["size"] for r in rows})
    lines = []
    for size in sizes:
        if all((v, size) in by for v in ("ours", "source", "sink")):
            ratio = throughput(by["ours", size]) / min(throughput(by["source", size]), throughput(by["sink", size]))
            lines.append(f"{size // MIB} MiB: (a) / min((b), (c)) = {ratio:.2f} (target >= 0.85)")
    ours = [by["ours", s] for s in sizes if ("ours", s) in by]
    if len(ours) >= 2:
        growth = (ours[-1]["peakRssBytes"] - ours[0]["peakRssBytes"]) / MIB
        lines.append(f"peak RSS of (a) grows {growth:.1f} MiB from smallest to largest (target <= 32)")
    return lines


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'chunk':>10}  {'variant':<16}  {'MiB/s':>9}  {'seconds':>8}  {'peak RSS MiB':>12}"]
    for row in sorted(rows, key=lambda r: (r["size"], list(LABELS).index(r["variant"]))):
        lines.append(
            f"{row['size'] / MIB:>8.0f}Mi  {LABELS[row['variant']]:<16}  {throughput(row):>9.1f}  "
            f"{row['seconds']:>8.2f}  {row['peakRssBytes'] / MIB:>12.1f}"
        )
    return "\n".join(lines)


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
    for axis, title, unit in ((speed, "Throughput", "MiB/s"), (memory, "Peak RSS", "MiB")):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("chunk size (MiB)")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
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
