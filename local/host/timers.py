"""Timer triggers: NCRONTAB schedules (six fields, seconds first; ``%Setting%`` allowed) or a TimeSpan interval,
and ``runOnStartup``. Occurrences of one timer never overlap; a missed one runs once, marked past due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from azure.core.exceptions import AzureError
from croniter import croniter  # type: ignore[import-untyped]

from . import triggers
from .hostjson import parse_timespan
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker
from .settings import resolve_percent
from .singleton import OccurrenceLock

log = logging.getLogger(__name__)

PAST_DUE_AFTER = timedelta(seconds=5)


def schedule(expression: str) -> Callable[[datetime], datetime]:
    """The next occurrence after a moment, for an NCRONTAB expression or a TimeSpan (``hh:mm:ss``)."""
    text = resolve_percent(expression).strip()
    if ":" in text and " " not in text:
        interval = timedelta(seconds=parse_timespan(text))
        if interval <= timedelta(0):
            raise ValueError(f"timer interval must be positive: {text!r}")
        return lambda moment: moment + interval
    if len(text.split()) != 6 or not croniter.is_valid(text, second_at_beginning=True):
        raise ValueError(f"not a six-field NCRONTAB expression: {text!r}")
    return lambda moment: croniter(text, moment, second_at_beginning=True).get_next(datetime)


class TimerRunner:
    def __init__(
        self, spec: FunctionSpec, invoker: Invoker, stopping: asyncio.Event, lock: OccurrenceLock | None = None
    ) -> None:
        self.spec = spec
        self._next = schedule(str(spec.trigger["schedule"]))
        self._invoker = invoker
        self._stopping = stopping
        self._lock = lock

    async def run(self) -> None:
        last: datetime | None = None
        if self.spec.trigger.get("runOnStartup"):
            last = datetime.now(UTC)
            await self._fire(last, past_due=False, next_run=self._next(last))
        due = self._next(datetime.now(UTC))
        log.info("timer %s: next occurrence %s", self.spec.name, due.isoformat())
        while not await self._sleep_until(due):
            now = datetime.now(UTC)
            if await self._claim(due):
                await self._fire(last, past_due=now - due > PAST_DUE_AFTER, next_run=self._next(now))
            last, due = due, self._next(datetime.now(UTC))

    async def _claim(self, due: datetime) -> bool:
        """Whether this process runs the occurrence (another host process sharing the storage may have it)."""
        if self._lock is None:
            return True
        try:
            return await self._invoker.io(self._lock.claim, due)
        except AzureError as exc:
            log.warning("timer %s: cannot coordinate with other hosts (%s); running anyway", self.spec.name, exc)
            return True

    async def _fire(self, last: datetime | None, *, past_due: bool, next_run: datetime) -> None:
        request = triggers.timer_request(past_due=past_due, last=last, next_run=next_run)
        reason = f"Timer fired at {datetime.now(UTC).isoformat()}"
        try:
            await self._invoker.invoke(self.spec, request, reason)
        except InvocationFailed:
            log.info("timer %s: the next occurrence still runs", self.spec.name)

    async def _sleep_until(self, due: datetime) -> bool:
        """Wait for ``due``; True if the host is stopping first."""
        delay = max((due - datetime.now(UTC)).total_seconds(), 0.0)
        try:
            await asyncio.wait_for(self._stopping.wait(), delay)
        except TimeoutError:
            return False
        return True
