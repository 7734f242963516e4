"""4. Storage outage: Azurite stops for a while in the middle of a run and comes back (same ports, same data).

Nothing lost: Event Grid retries, queue messages reappear, table writes are retried by redelivery.
"""

from __future__ import annotations

import threading
import time

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import run_calls

NAME = "storage_outage"


def run(size: Size, keep: bool = False) -> Result:
    calls = size.pick(4, 30)
    outage = size.seconds(5, 15)
    result = Result(NAME, load=f"{calls} calls, Azurite down {outage:.0f} s mid-run")
    with ChaosStack(NAME, options(), keep=keep) as cs:
        client = cs.client()
        first, never_first = run_calls(client, calls // 2, record_seconds=1.0, parallel=size.pick(2, 8))

        def outage_soon() -> None:
            time.sleep(1.0)
            cs.storage_outage(outage)

        down = threading.Thread(target=outage_soon, daemon=True)
        down.start()
        second, never_second = run_calls(client, calls - calls // 2, record_seconds=1.0, parallel=size.pick(2, 8),
                                         timeout=outage + 60)  # fmt: skip
        down.join()
        result.faults = 1
        never = never_first + never_second
        result.check("every call recorded", never == 0, f"{never} call(s) never started recording")
        finish(cs, result, first + second, timeout=size.seconds(120, 400), strict=False)
    return result
