"""Event Grid: webhook subscriptions, the validation handshake, delivery with retries, dead-lettering.

Each event is POSTed on its own (Event Grid's default batch size of one) with Event Grid's headers. A non-2xx
answer or no answer within the timeout is retried on Event Grid's schedule (10 s, 30 s, 1 min, 5 min, 10 min,
30 min, 1 h, ...) multiplied by ``eventGridRetryScale``; 400 and 413 are not retried. After the last attempt the
event is dead-lettered (see ``deadletter.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from .backend import Backend
from .deadletter import DeadLetters
from .events import GridEvent
from .exceptions import BadRequest
from .identifiers import timestamp

log = logging.getLogger(__name__)
RETRY_SCHEDULE = (10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400)
NOT_RETRIED = (400, 413)
SCHEMAS = ("EventGridSchema", "CloudEventSchemaV1_0")
SHUFFLE_WINDOW = 0.3
ORIGIN = "eventgrid.azure.net"


class SubscriptionError(Exception):
    """The endpoint did not complete the validation handshake."""


@dataclass
class Subscription:
    name: str
    endpoint: str
    schema: str = "EventGridSchema"
    included_event_types: tuple[str, ...] = ()
    max_delivery_attempts: int = 30
    validated: bool = False

    def wants(self, event_type: str) -> bool:
        return not self.included_event_types or event_type in self.included_event_types

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "endpoint": self.endpoint, "schema": self.schema,
                "includedEventTypes": list(self.included_event_types),
                "maxDeliveryAttempts": self.max_delivery_attempts, "validated": self.validated}  # fmt: skip


def parse_subscription(body: dict[str, Any]) -> Subscription:
    name, endpoint = body.get("name"), body.get("endpoint")
    if not isinstance(name, str) or not name or not isinstance(endpoint, str) or not endpoint.startswith("http"):
        raise BadRequest("a subscription needs a name and an http(s) endpoint")
    schema = str(body.get("schema") or "EventGridSchema")
    if schema not in SCHEMAS:
        raise BadRequest(f"schema must be one of {', '.join(SCHEMAS)}")
    attempts = int(body.get("maxDeliveryAttempts", 30))
    if not 1 <= attempts <= 30:
        raise BadRequest("maxDeliveryAttempts must be 1..30")
    types = tuple(str(t) for t in body.get("includedEventTypes") or ())
    return Subscription(name, endpoint, schema, types, attempts)


def _headers(subscription: Subscription, kind: str, delivery_count: int) -> dict[str, str]:
    cloud = subscription.schema == "CloudEventSchemaV1_0"
    return {
        "aeg-event-type": kind,
        "aeg-subscription-name": subscription.name.upper(),
        "aeg-delivery-count": str(delivery_count),
        "aeg-data-version": "1.0",
        "aeg-metadata-version": "1",
        "Content-Type": "application/cloudevents+json; charset=utf-8" if cloud else "application/json",
    }


class EventGrid:
    def __init__(self, backend: Backend, session: aiohttp.ClientSession, dead_letters: DeadLetters) -> None:
        self.backend, self.session, self.dead_letters = backend, session, dead_letters
        self.subscriptions: dict[str, Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._rng = random.Random()

    async def subscribe(self, subscription: Subscription, validate: bool = True) -> None:
        """Add (or replace) a subscription; with ``validate``, only once the handshake succeeded."""
        if validate:
            await self.handshake(subscription)
        self.subscriptions[subscription.name] = subscription

    async def handshake(self, subscription: Subscription) -> None:
        try:
            if subscription.schema == "CloudEventSchemaV1_0":
                await self._abuse_protection(subscription)
            else:
                await self._validation_event(subscription)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SubscriptionError(f"validation request to {subscription.endpoint} failed: {exc!r}") from exc
        subscription.validated = True
        log.info("subscription %s validated (%s)", subscription.name, subscription.schema)

    async def _validation_event(self, subscription: Subscription) -> None:
        code = str(uuid.uuid4())
        event = GridEvent(
            "Microsoft.EventGrid.SubscriptionValidationEvent", "",
            {"validationCode": code, "validationUrl": f"https://rp-eastus.eventgrid.azure.net/validate?code={code}"},
        )  # fmt: skip
        headers = _headers(subscription, "SubscriptionValidation", 0)
        async with self.session.post(
            subscription.endpoint, json=[event.as_schema("EventGridSchema")], headers=headers, timeout=self._timeout()
        ) as response:
            text = await response.text()
            if response.status != 200:
                raise SubscriptionError(f"validation answered {response.status} (200 expected): {text[:200]}")
            try:
                answer = await response.json(content_type=None)
            except ValueError as exc:
                raise SubscriptionError(f"validation answer is not JSON: {text[:200]}") from exc
        if not isinstance(answer, dict) or answer.get("validationResponse") != code:
            raise SubscriptionError(f"validationResponse {answer!r} does not echo the code {code}")

    async def _abuse_protection(self, subscription: Subscription) -> None:
        headers = {"WebHook-Request-Origin": ORIGIN, "WebHook-Request-Rate": "120"}
        async with self.session.options(subscription.endpoint, headers=headers, timeout=self._timeout()) as response:
            allowed = response.headers.get("WebHook-Allowed-Origin", "")
            if response.status != 200 or allowed not in (ORIGIN, "*"):
                raise SubscriptionError(
                    f"OPTIONS answered {response.status} with WebHook-Allowed-Origin {allowed!r} (200 and the origin expected)"
                )

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.backend.settings.eventgrid_timeout_seconds)

    def publish(self, event: GridEvent) -> None:
        """Deliver to every matching subscription (in the event loop), with any injected duplicates/shuffle/delay."""
        with self.backend.lock:
            faults = self.backend.faults.eventgrid
        for subscription in list(self.subscriptions.values()):
            if not subscription.wants(event.event_type):
                continue
            for _ in range(faults.duplicates):
                delay = faults.delay_seconds + (self._rng.uniform(0, SHUFFLE_WINDOW) if faults.shuffle else 0.0)
                task = asyncio.get_running_loop().create_task(self._deliver(subscription, event, delay))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, subscription: Subscription, event: GridEvent, delay: float) -> None:
        await asyncio.sleep(delay)
        record = self._record(subscription, event)
        status: int | None = None
        for attempt in range(1, subscription.max_delivery_attempts + 1):
            with self.backend.lock:
                record.setdefault("sentAt", timestamp(time.time()))  # the first attempt's request leaves now
            status = await self._attempt(subscription, event, attempt)
            with self.backend.lock:
                record.update(status=status, attempts=attempt, time=time.time())
            if status is not None and 200 <= status < 300:
                record["outcome"] = "delivered"
                return
            if status in NOT_RETRIED or attempt == subscription.max_delivery_attempts:
                break
            record["outcome"] = "retrying"
            await asyncio.sleep(self._backoff(attempt))
            if self.subscriptions.get(subscription.name) is not subscription:
                record["outcome"] = "dropped"  # the subscription was deleted while the event waited for a retry
                return
        reason = "DeliveryFailedWithNonRetriableStatus" if status in NOT_RETRIED else "MaxDeliveryAttemptsExceeded"
        record["outcome"] = "deadLettered"
        await self.dead_letters.write(subscription.name, event.as_schema(subscription.schema), reason, record)

    def _backoff(self, attempt: int) -> float:
        return RETRY_SCHEDULE[min(attempt - 1, len(RETRY_SCHEDULE) - 1)] * self.backend.settings.eventgrid_retry_scale

    async def _attempt(self, subscription: Subscription, event: GridEvent, attempt: int) -> int | None:
        try:
            if not subscription.validated:
                await self.handshake(subscription)
            document = event.as_schema(subscription.schema)
            body: Any = document if subscription.schema == "CloudEventSchemaV1_0" else [document]
            headers = _headers(subscription, "Notification", attempt - 1)
            async with self.session.post(
                subscription.endpoint, json=body, headers=headers, timeout=self._timeout()
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError, SubscriptionError) as exc:
            log.info("delivery of %s to %s failed: %r", event.event_type, subscription.name, exc)
            return None

    def _record(self, subscription: Subscription, event: GridEvent) -> dict[str, Any]:
        record: dict[str, Any] = {
            "kind": "eventgrid", "subscription": subscription.name, "url": subscription.endpoint,
            "eventType": event.event_type, "eventId": event.id, "subject": event.subject,
            "status": None, "attempts": 0, "outcome": "pending", "publishTime": timestamp(event.time),
        }  # fmt: skip
        with self.backend.lock:
            self.backend.deliveries.append(record)
        return record

    async def drain(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
