"""1. Duplicates and reordering: every Event Grid event three times, shuffled; every callback three times, late.

Exactly one archived copy per chunk, byte-identical to the source; no second recording; final states correct.
"""

from __future__ import annotations

from chaos.duplicator import CallbackDuplicator
from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import run_calls

NAME = "duplicates"
LOAD = "calls"  # what ``--load duplicates=N`` sets
COPIES = 3


def run(size: Size, keep: bool = False) -> Result:
    calls = size.load(NAME, 4, 100)
    result = Result(NAME, load=f"{calls} calls, events x{COPIES} shuffled, callbacks x{COPIES}")
    relay = CallbackDuplicator(copies=COPIES).start()
    try:
        settings = {"CALLBACK_BASE_URL": relay.url}
        with ChaosStack(NAME, options(settings), keep=keep) as cs:
            relay.target, relay.sign = cs.info["functionsUrl"], cs.tokens().valid
            cs.emulator("POST", "faults/eventgrid", {"duplicates": COPIES, "shuffle": True, "delaySeconds": 0.2})
            sids, never_active = run_calls(cs.client(), calls, record_seconds=1.0, parallel=size.pick(4, 16))
            result.check(
                "every call recorded", not never_active, f"{len(never_active)} call(s) never started recording"
            )
            finish(cs, result, sids, timeout=max(size.seconds(60, 300), calls * 0.5))
            deliveries = cs.emulator("GET", "deliveries")
            result.faults = sum(1 for d in deliveries if d.get("kind") == "eventgrid") * (COPIES - 1) // COPIES
            result.faults += relay.replayed
            bad = [s for s in relay.statuses if s >= 300]
            result.check("callbacks accepted", not bad, f"{len(bad)} callback deliveries answered {sorted(set(bad))}")
    finally:
        relay.stop()
    return result
