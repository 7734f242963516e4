"""4. Storage outage: Azurite stops for a while in the middle of a run and comes back (same ports, same data).

The outage starts as the calls hang up, while files-ready events, chunk copies, blob writes and state updates
are in flight: nothing may be lost (Event Grid retries, queue messages reappear, redelivery repeats state writes).
A second wave of calls is placed while storage is down: ACS gives up on the callbacks the app cannot store then,
and the sweeper's reconciliation with ACS must still get those calls recorded (chaos/FINDINGS.md, finding 1).
"""

from __future__ import annotations

import threading
import time

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import run_calls

NAME = "storage_outage"
# The sweeper's timers, shortened to fit the run: it reconciles calls the app has heard nothing about for a few
# seconds (production default: 120 s), and enqueues again a chunk not archived 20 s after its files were ready
# (production default: 900 s): a files-ready event applied just before storage stopped, whose chunk jobs could then
# not be enqueued, is a duplicate when Event Grid delivers it again and enqueues nothing.
RECONCILE = {"SWEEPER_SCHEDULE": "*/2 * * * * *", "RECONCILE_AFTER_SECONDS": "5", "STUCK_CHUNK_AFTER_SECONDS": "20"}


def during_setup(cs: ChaosStack, result: Result, calls: int, outage: float) -> list[str]:
    """Calls placed while storage is down: answered, connected and recorded once it is back?"""

    def outage_soon() -> None:
        time.sleep(1.0)
        cs.storage_outage(outage)

    down = threading.Thread(target=outage_soon, daemon=True)
    down.start()
    sids, never = run_calls(cs.client(), calls, record_seconds=1.0, parallel=8, timeout=outage + 30)
    down.join()
    result.faults += 1
    result.check(
        "calls placed during the outage recorded", not never, f"{len(never)} of {calls} never started recording"
    )
    return [sid for sid in sids if sid not in never]


def run(size: Size, keep: bool = False) -> Result:
    calls = size.pick(4, 30)
    outage = size.seconds(5, 15)
    second_wave = size.pick(2, calls // 3)
    load = f"{calls} calls, Azurite down {outage:.0f} s as they hang up, then {second_wave} placed during a 2nd outage"
    result = Result(NAME, load=load)
    with ChaosStack(NAME, options(RECONCILE), keep=keep) as cs:
        sids, never = run_calls(cs.client(), calls, record_seconds=1.0, parallel=size.pick(4, 10))
        result.check("every call recorded", not never, f"{len(never)} call(s) never started recording")
        cs.storage_outage(outage)  # files ready, copies and state updates of the calls above are in flight
        result.faults = 1
        recorded = sids + during_setup(cs, result, second_wave, outage)
        finish(cs, result, recorded, timeout=size.seconds(120, 300), strict=False, callbacks_may_fail=True)
    return result
