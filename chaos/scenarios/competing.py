"""5. Competing consumers: three local host processes against one Azurite.

Every event reaches all three hosts at once (one Event Grid subscription each) and all three compete for the
chunk queue. Each chunk archived once (or overwritten with identical bytes), no lost state update, every
call's final state as expected.
"""

from __future__ import annotations

from chaos.harness import ChaosStack
from chaos.result import Result
from chaos.scenarios.common import Size, finish, options
from chaos.workload import run_calls
from local.stack import EVENT_TYPES

NAME = "competing"
HOSTS = 3


def subscribe_all(cs: ChaosStack) -> None:
    """Subscribe hosts 1.. too, so each event is handled by every host concurrently."""
    for number in range(1, HOSTS):
        body = {
            "name": f"acs-events-to-host{number}",
            "endpoint": cs.grid_url(number),
            "schema": "EventGridSchema",
            "includedEventTypes": list(EVENT_TYPES),
        }
        cs.emulator("POST", "subscriptions", body)


def run(size: Size, keep: bool = False) -> Result:
    calls = size.pick(4, 60)
    result = Result(NAME, load=f"{calls} calls, {HOSTS} hosts, each event to every host")
    with ChaosStack(NAME, options(host_processes=HOSTS), keep=keep) as cs:
        subscribe_all(cs)
        sids, never_active = run_calls(cs.client(), calls, record_seconds=1.0, parallel=size.pick(4, 16))
        result.check("every call recorded", not never_active, f"{len(never_active)} call(s) never started recording")
        finish(cs, result, sids, timeout=size.seconds(90, 400))
        deliveries = cs.emulator("GET", "deliveries")
        result.faults = sum(1 for d in deliveries if str(d.get("subscription", "")).startswith("acs-events-to-host"))
        workers = [name for name in cs.stack.processes if name.startswith("host")]
        busy = [name for name in workers if "shared.handlers.archive" in cs.host_log(name)]
        result.notes.append(f"hosts that archived chunks: {', '.join(busy) or 'none'}")
    return result
