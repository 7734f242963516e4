"""The table rows and verdicts of the recorded hour (``bench.hour``) and the answer latency (``bench.answer``)."""

from __future__ import annotations

from typing import Any

MIB = 1024 * 1024


def mark(value: float, target: float) -> str:
    """``met`` when ``value`` is within ``target`` (at most), else ``MISSED``."""
    return "met" if value <= target else "MISSED"


def hour_table(hour: dict[str, Any]) -> list[str]:
    if "recordings" not in hour:
        return [f"recorded hour: {hour.get('skipped', 'not run')}"]
    lines = [
        f"recorded hour: {hour['hourSeconds']:.0f} s of media per recording on a warm host (after "
        f"{hour.get('warmUpSeconds', 0):.0f} s of each kind unmeasured), files-ready -> verified; CPU-s per "
        "recorded hour; floor = SHA-256 + TLS from ACS + storage transfers as here (plain HTTP to Azurite); "
        "Azure floor = the same with TLS to storage; split = the per-speaker split's own CPU, priced in the same "
        "run (not in the floor)",
        f"{'recording':<12}  {'MiB':>7}  {'host':>6}  {'emul.':>6}  {'azurite':>7}  {'floor':>6}  {'Azure':>6}  "
        f"{'host/floor':>10}  {'split':>5}  {'seconds':>8}  {'transfer':>8}  {'ratio':>5}  host RSS peak/idle MiB",
    ]
    for row in hour["recordings"]:
        cpu = row["cpuSecondsPerHour"]
        lines.append(
            f"{row['format'] + ' ' + row['channel']:<12}  {row['mediaBytes'] / MIB:>7.1f}  {cpu['host']:>6.1f}  "
            f"{cpu['emulator']:>6.1f}  {cpu['azurite']:>7.1f}  {row['floorCpuSecondsPerHour']:>6.2f}  "
            f"{row['floorAzureCpuSecondsPerHour']:>6.2f}  {row['cpuRatio']:>10.2f}  "
            f"{row.get('splitCpuSecondsPerHour', 0.0):>5.2f}  {row['seconds']:>8.2f}  "
            f"{row['transferSeconds']:>8.2f}  {row['timeRatio']:>5.2f}  "
            f"{row['hostPeakRssBytes'] / MIB:.0f}/{row['hostIdleRssBytes'] / MIB:.0f}"
        )
    rates = hour["ratesBytesPerSecond"]
    lines.append(
        f"transfer floor: bytes moved at the slower side's rate (ACS ranged downloads {rates['source'] / MIB:.1f} "
        f"MiB/s, upload into Azurite {rates['sink'] / MIB:.1f} MiB/s, measured on the WAV recording)"
    )
    return lines


def hour_verdicts(hour: dict[str, Any]) -> list[str]:
    targets = hour.get("targets", {})
    lines = []
    for row in hour.get("recordings", []):
        name = f"recorded hour, {row['format']} {row['channel']}"
        peak = row["hostPeakRssBytes"] / MIB
        split = float(row.get("splitCpuSecondsPerHour", 0.0))
        beside = (
            f"; {row['cpuRatioBesideSplit']:.2f} x the floor and the per-speaker split's {split:.2f} CPU-s together"
            if split > 0
            else ""
        )
        lines += [
            f"{name}: host CPU {row['cpuSecondsPerHour']['host']:.1f} CPU-s per hour = {row['cpuRatio']:.2f} x its "
            f"floor {row['floorCpuSecondsPerHour']:.2f} (target <= {targets['cpuRatio']}: "
            f"{mark(row['cpuRatio'], targets['cpuRatio'])}){beside}",
            f"{name}: files-ready -> verified {row['seconds']:.2f} s = {row['timeRatio']:.2f} x the transfer floor "
            f"{row['transferSeconds']:.2f} s (target <= {targets['timeRatio']}: "
            f"{mark(row['timeRatio'], targets['timeRatio'])})",
            f"{name}: host peak RSS {peak:.0f} MiB, {row['hostIdleRssBytes'] / MIB:.0f} MiB idle just before "
            f"(target <= {targets['peakRssMiB']:.0f}: {mark(peak, targets['peakRssMiB'])})",
        ]
    return lines


def answer_table(answer: dict[str, Any]) -> list[str]:
    if "warmMs" not in answer:
        return [f"answer latency: {answer.get('skipped', 'not run')}"]
    lines = [
        f"answer latency: IncomingCall sent -> answer request received, {answer['calls']} calls one at a time "
        f"({answer['gapSeconds']} s apart; warm and loops in {answer.get('rounds', 1)} alternating rounds)",
        f"{'run':<28}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  {'mean ms':>7}  {'CPU ms/call':>11}",
    ]
    cpu = answer.get("cpuMsPerCall", {})
    runs = (
        ("warm host", answer["warmMs"], cpu.get("warm")),
        ("bare loop (write + answer)", answer["bareLoopMs"], cpu.get("bare")),
        ("app's rows loop (+ answer)", answer.get("appRowsLoopMs"), cpu.get("appRows")),
        (f"fresh host x{answer['coldRuns']} (first call)", answer["coldMs"], None),
    )
    for label, ms, cpu_ms in runs:
        if ms:
            line = f"{label:<28}  {ms['p50']:>7.1f}  {ms['p95']:>7.1f}  {ms['p99']:>7.1f}  {ms['mean']:>7.1f}"
            lines.append(line + (f"  {cpu_ms:>11.1f}" if cpu_ms is not None else ""))
    return lines


def answer_verdicts(answer: dict[str, Any]) -> list[str]:
    if "ratio" not in answer:
        return []
    target = answer["target"]
    lines = [
        f"answer: warm p99 {answer['warmMs']['p99']:.1f} ms = {answer['ratio']:.2f} x the bare loop's "
        f"{answer['bareLoopMs']['p99']:.1f} ms (target <= {target}: {mark(answer['ratio'], target)})"
    ]
    if "ratioAppRows" in answer:
        lines.append(
            f"answer: warm p99 = {answer['ratioAppRows']:.2f} x the app's rows loop's "
            f"{answer['appRowsLoopMs']['p99']:.1f} ms (the same storage requests without the app and host; "
            f"p50 {answer['warmMs']['p50']:.1f} / {answer['appRowsLoopMs']['p50']:.1f} / bare "
            f"{answer['bareLoopMs']['p50']:.1f} ms)"
        )
    if answer.get("coldMs"):
        lines.append(
            f"answer: right after a cold start (fresh host process) p50 {answer['coldMs']['p50']:.0f} ms, "
            f"worst {answer['coldMs']['p99']:.0f} ms over {answer['coldRuns']} starts"
        )
    return lines
