"""How long a caller rings: ``IncomingCall`` sent to the webhook -> the answer request received by the emulator.

Both ends are the emulator's own clock: a delivery's ``sentAt`` (the first attempt leaves) and the call's
``answeredAt`` (the answer request arrived). Calls are placed one at a time, each once the one before was answered
and ``--answer-gap`` seconds went by (the answered call connects and starts recording meanwhile, as it would), so
every figure is one ringing call's wait, not a queue's. Against one stack:

- **warm**: ``--answer-calls`` calls to the app on a host that has already answered ``WARM_UP`` calls;
- **bare loop**: the same number of calls to ``bench.answerloop`` (one state write and the answer call, no app or
  host code), Event Grid pointed at it instead of the app: the target's reference;
- **app's rows loop**: the same number of calls to ``bench.answerloop --requests app-rows`` (the storage requests the
  app's ring makes, then the answer call, no app or host code): what the app's code and the host add to its rows;
- **cold**: ``--answer-cold`` times, a fresh host process (``Stack.restart_hosts``) and its first call.

The warm and loop calls are placed in ``ROUNDS`` rounds, each a slice of every run in turn (Event Grid pointed at
each in turn, the order rotated every round), so a busy spell of the shared machine falls on all of them alike
instead of on whichever ran then. Each run's CPU per call is its process's CPU over its slices (the host's takes in
the answered call's connect and recording start, which run in the gap after each answer; the loops only acknowledge
those callbacks).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.pipeline import percentiles, process_cpu
from local.azurite import environ_without_proxy
from local.client import LocalClient
from local.stack import Stack, StackOptions, event_grid_subscription, webhook_url

ROOT = Path(__file__).resolve().parent.parent
CALLEE = "8:acs:answer-bench-agent"
FIRST_CALLER = 14255500000
WARM_UP = 3
ROUNDS = 10
POLL_SECONDS = 0.02
TARGET = 1.5  # warm p99 at most this many times the bare loop's


class Caller:
    """Places calls from numbers never used before in the run, and times each until it is answered."""

    def __init__(self, client: LocalClient, gap: float, timeout: float = 60.0) -> None:
        self.client, self.gap, self.timeout = client, gap, timeout
        self.placed = 0

    def ring(self) -> float:
        """One call, placed and answered: seconds from its IncomingCall's delivery to the answer request."""
        self.placed += 1
        caller = f"4:+{FIRST_CALLER + self.placed}"
        server_call_id = self.client.emulator("POST", "calls/incoming", {"from": caller, "to": CALLEE})["serverCallId"]
        answered = self._answered_at(server_call_id)
        sent = next(
            record["sentAt"]
            for record in self.client.emulator("GET", "deliveries")
            if record.get("eventType") == "Microsoft.Communication.IncomingCall"
            and f"/caller/{caller}/" in str(record.get("subject"))
            and record.get("sentAt")
        )
        time.sleep(self.gap)
        return _epoch(answered) - _epoch(sent)

    def _answered_at(self, server_call_id: str) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for call in self.client.emulator("GET", "calls"):
                if call["serverCallId"] == server_call_id and call.get("answeredAt"):
                    return str(call["answeredAt"])
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"call {server_call_id} was not answered within {self.timeout:.0f} s")

    def rings(self, count: int) -> list[float]:
        return [self.ring() for _ in range(count)]


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def point_event_grid(client: LocalClient, endpoint: str) -> None:
    """Deliver IncomingCall to ``endpoint`` from now on (the stack's subscription, replaced by name)."""
    client.emulator("POST", "subscriptions", event_grid_subscription(endpoint))


@contextmanager
def answer_loop(info: dict[str, Any], requests: str = "one-write") -> Iterator[tuple[str, int]]:
    """``bench.answerloop`` running against the stack's emulator and Azurite; its webhook URL and pid."""
    command = [sys.executable, "-m", "bench.answerloop", "--acs", info["acsConnectionString"],
               "--storage", info["storageConnectionString"], "--requests", requests]  # fmt: skip
    env = {**environ_without_proxy(), **info["clientEnv"]}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline() or "{}")
        if "url" not in ready:
            raise RuntimeError("bench.answerloop did not start")
        yield f"{ready['url']}/events", process.pid
    finally:
        process.terminate()
        process.wait(15)


def milliseconds(values: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / mean of ``values`` (seconds) in milliseconds."""
    return {name: round(seconds * 1000, 1) for name, seconds in percentiles(values).items()}


def in_rounds(
    caller: Caller, endpoints: dict[str, tuple[str, int]], calls: int, rounds: int = ROUNDS
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """``calls`` answers from each endpoint (its webhook URL and the pid of the process behind it), placed in
    ``rounds`` slices of each in turn (the order rotated every round); every endpoint answers ``WARM_UP`` calls
    first, uncounted. The waits, and each process's CPU seconds over its slices."""
    names = list(endpoints)
    waits: dict[str, list[float]] = {name: [] for name in names}
    cpu = dict.fromkeys(names, 0.0)
    for name in names:
        point_event_grid(caller.client, endpoints[name][0])
        caller.rings(WARM_UP)
    for number in range(rounds):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            share = calls * (number + 1) // rounds - calls * number // rounds
            if share:
                url, pid = endpoints[name]
                point_event_grid(caller.client, url)
                before = process_cpu(pid)
                waits[name] += caller.rings(share)
                cpu[name] += process_cpu(pid) - before
    return waits, cpu


def answer_latency(args: argparse.Namespace, state: Path) -> dict[str, Any]:
    """Warm, bare-loop, app's-rows-loop and cold answer latencies, one stack; ``ratio``: warm p99 over the bare
    loop's (the target); ``ratioAppRows``: warm p99 over the app's rows loop's."""
    settings = {"ANSWER_POLICY": "*", "DELETE_SOURCE_AFTER_ARCHIVE": "false"}
    stack = Stack(StackOptions(state_dir=state / "answer", settings=settings)).start()
    app = webhook_url(stack.info["functionsUrl"], stack.info.get("eventGridKey", ""))
    try:
        caller = Caller(LocalClient(dict(stack.info)), args.answer_gap)
        with answer_loop(dict(stack.info)) as bare, answer_loop(dict(stack.info), "app-rows") as app_rows:
            endpoints = {"warm": (app, int(stack.info["pids"]["host"])), "bare": bare, "appRows": app_rows}
            waits, cpu = in_rounds(caller, endpoints, args.answer_calls)
        point_event_grid(caller.client, app)
        cold = []
        for _ in range(args.answer_cold):
            stack.restart_hosts()
            caller.client = LocalClient(dict(stack.info))
            cold.append(caller.ring())
    finally:
        stack.stop()
    result: dict[str, Any] = {
        "calls": args.answer_calls, "gapSeconds": args.answer_gap, "rounds": ROUNDS,
        "warmMs": milliseconds(waits["warm"]), "bareLoopMs": milliseconds(waits["bare"]),
        "appRowsLoopMs": milliseconds(waits["appRows"]), "coldMs": milliseconds(cold),
        "coldRuns": len(cold), "target": TARGET,
        "cpuMsPerCall": {name: round(1000 * seconds / max(args.answer_calls, 1), 1) for name, seconds in cpu.items()},
    }  # fmt: skip
    if waits["warm"] and waits["bare"]:
        result["ratio"] = round(result["warmMs"]["p99"] / max(result["bareLoopMs"]["p99"], 1e-9), 3)
        result["ratioAppRows"] = round(result["warmMs"]["p99"] / max(result["appRowsLoopMs"]["p99"], 1e-9), 3)
    return result
