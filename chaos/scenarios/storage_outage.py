"""4. Storage outage: Azurite stops for a while in the middle of a run and comes back (same ports, same data).

The outage starts as the calls hang up, while files-ready events, chunk copies, blob writes and state updates
are in flight: nothing may be lost (Event Grid retries, queue messages reappear, redelivery repeats state writes).
At full size a second wave of calls is also placed while storage is down, which exposes callbacks that ACS gives
up on (see chaos/FINDINGS.md).
"""

from __future__ import annotations

import threading
import time

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import run_calls

NAME = "storage_outage"


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
    load = f"{calls} calls, Azurite down {outage:.0f} s as they hang up"
    result = Result(NAME, load=load + ("" if size.small else f", then {calls // 3} calls placed during a 2nd outage"))
    with ChaosStack(NAME, options(), keep=keep) as cs:
        sids, never = run_calls(cs.client(), calls, record_seconds=1.0, parallel=size.pick(4, 10))
        result.check("every call recorded", not never, f"{len(never)} call(s) never started recording")
        cs.storage_outage(outage)  # files ready, copies and state updates of the calls above are in flight
        result.faults = 1
        recorded = sids
        if not size.small:
            recorded += during_setup(cs, result, calls // 3, outage)
        finish(cs, result, recorded, timeout=size.seconds(120, 300), strict=False)
    return result
