"""Queue triggers: poll a queue with host.json's ``extensions.queues`` settings, as the Functions host does.

A received message stays invisible (a lease, renewed while the function runs) so competing host processes never
run it twice at once. Success deletes it; failure makes it visible again after ``visibilityTimeout``; the
``maxDequeueCount``-th failure moves it to ``<queue>-poison``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage

from . import outputs, storage, triggers, watcher
from .hostjson import QueueOptions
from .indexing import FunctionSpec
from .invoker import InvocationFailed, Invoker
from .settings import resolve_percent

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
RENEW_EVERY = 20.0
FIRST_POLL_DELAY = 0.1


@dataclass
class Lease:
    message_id: str
    pop_receipt: str
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class QueueListener:
    def __init__(self, spec: FunctionSpec, options: QueueOptions, invoker: Invoker, stopping: asyncio.Event) -> None:
        self.spec = spec
        self.queue_name = resolve_percent(str(spec.trigger["queueName"])).lower()
        self._connection = spec.trigger.get("connection")
        self._options = options
        self._invoker = invoker
        self._stopping = stopping
        self._client: QueueClient = storage.queue_service(self._connection).get_queue_client(self.queue_name)
        self._poison: QueueClient = storage.queue_service(self._connection).get_queue_client(
            f"{self.queue_name}-poison"
        )
        self._running: dict[asyncio.Task[None], Lease] = {}
        self._woken = asyncio.Event()  # a function of this host added a message to the queue: poll now

    async def prepare(self) -> None:
        """Create the queue if it is missing."""
        await self._invoker.io(outputs.ensure_queue, self._connection, self.queue_name)

    async def run(self) -> None:
        """Poll until ``stopping`` is set; back off exponentially up to ``maxPollingInterval`` while empty, unless
        a function of this host adds a message to the queue meanwhile (``local.host.watcher``)."""
        await self.prepare()
        log.info("listening on queue %s for %s", self.queue_name, self.spec.name)
        loop = asyncio.get_running_loop()
        key = storage.connection_string(self._connection)

        def wake() -> None:
            loop.call_soon_threadsafe(self._woken.set)

        watcher.register(key, self.queue_name, wake)
        try:
            await self._poll()
        finally:
            watcher.unregister(key, self.queue_name, wake)

    async def _poll(self) -> None:
        delay = FIRST_POLL_DELAY
        while not self._stopping.is_set():
            if len(self._running) > self._options.new_batch_threshold:
                await asyncio.wait(list(self._running), timeout=1, return_when=asyncio.FIRST_COMPLETED)
                continue
            self._woken.clear()  # a message added from now on is either in this receive or wakes the next wait
            try:
                messages = await self._invoker.io(self._receive)
            except AzureError as exc:
                log.warning("polling queue %s failed: %s", self.queue_name, exc)
                messages = []
            for message in messages:
                self._start(message)
            delay = FIRST_POLL_DELAY if messages else min(delay * 2, self._options.max_polling_interval)
            if not messages:
                await self._idle(delay)

    async def _idle(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less when the host stops or a message was added to the queue since the last
        receive began."""
        waits = [asyncio.ensure_future(event.wait()) for event in (self._stopping, self._woken)]
        try:
            await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def drain(self, grace: float) -> None:
        """Let running invocations finish for up to ``grace`` seconds, then give their messages back to the queue."""
        if self._running:
            await asyncio.wait(list(self._running), timeout=grace)
        abandoned = dict(self._running)
        for task in abandoned:
            task.cancel()
        await asyncio.gather(*abandoned, return_exceptions=True)
        for lease in abandoned.values():
            log.warning(
                "abandoning message %s of queue %s (it reappears for another host)", lease.message_id, self.queue_name
            )
            await self._io_quietly(
                self._client.update_message, lease.message_id, lease.pop_receipt, visibility_timeout=0
            )

    def _receive(self) -> list[QueueMessage]:
        pages = self._client.receive_messages(
            messages_per_page=self._options.batch_size, visibility_timeout=LEASE_SECONDS
        ).by_page()
        return list(next(pages, []))

    def _start(self, message: QueueMessage) -> None:
        lease = Lease(message.id, message.pop_receipt or "")
        task = asyncio.create_task(self._process(message, lease))
        self._running[task] = lease
        task.add_done_callback(lambda done: self._running.pop(done, None))

    async def _process(self, message: QueueMessage, lease: Lease) -> None:
        if message.dequeue_count and message.dequeue_count > self._options.max_dequeue_count:
            await self._move_to_poison(message, lease)
            return
        renewer = asyncio.create_task(self._renew(lease))
        try:
            succeeded = await self._invoke(message)
        finally:
            lease.finished.set()
            await renewer
        if succeeded:
            await self._io_quietly(self._client.delete_message, lease.message_id, lease.pop_receipt)
        elif (message.dequeue_count or 0) >= self._options.max_dequeue_count:
            await self._move_to_poison(message, lease)
        else:
            await self._io_quietly(
                self._client.update_message,
                lease.message_id,
                lease.pop_receipt,
                visibility_timeout=int(self._options.visibility_timeout),
            )

    async def _invoke(self, message: QueueMessage) -> bool:
        try:
            body = decode_message(str(message.content or ""), self._options.message_encoding)
            trigger = triggers.queue_message(
                body,
                message_id=message.id,
                dequeue_count=message.dequeue_count or 1,
                pop_receipt=message.pop_receipt or "",
                inserted_on=message.inserted_on,
                expires_on=message.expires_on,
                next_visible_on=message.next_visible_on,
            )
        except ValueError as exc:
            log.error("message %s of queue %s cannot be read: %s", message.id, self.queue_name, exc)
            return False
        try:
            await self._invoker.invoke(self.spec, trigger, f"New queue message detected on '{self.queue_name}'.")
        except InvocationFailed:
            return False
        return True

    async def _renew(self, lease: Lease) -> None:
        """Keep the message invisible while the function runs (the pop receipt changes on every renewal)."""
        while not await _wait(lease.finished, RENEW_EVERY):
            try:
                renew = functools.partial(self._client.update_message, visibility_timeout=LEASE_SECONDS)
                renewed = await self._invoker.io(renew, lease.message_id, lease.pop_receipt)
            except AzureError as exc:
                log.warning("renewing message %s of queue %s failed: %s", lease.message_id, self.queue_name, exc)
                continue
            lease.pop_receipt = renewed.pop_receipt or lease.pop_receipt

    async def _move_to_poison(self, message: QueueMessage, lease: Lease) -> None:
        log.warning(
            "message %s of queue %s failed %s time(s): moving it to %s-poison",
            message.id,
            self.queue_name,
            message.dequeue_count,
            self.queue_name,
        )
        await self._invoker.io(outputs.ensure_queue, self._connection, f"{self.queue_name}-poison")
        await self._invoker.io(self._poison.send_message, message.content)
        await self._io_quietly(self._client.delete_message, lease.message_id, lease.pop_receipt)

    async def _io_quietly(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        """A delete or visibility update; a lost lease (another host has the message now) is only logged."""
        try:
            await self._invoker.io(functools.partial(call, *args, **kwargs))
        except ResourceNotFoundError as exc:
            log.warning("queue %s: message lease lost: %s", self.queue_name, exc.reason)
        except AzureError as exc:
            log.warning("queue %s: %s", self.queue_name, exc)


def decode_message(content: str, encoding: str) -> str | bytes:
    """The message body under host.json ``messageEncoding``: text, or bytes when base64 holds non-UTF-8 data."""
    if encoding == "none":
        return content
    try:
        raw = base64.b64decode(content, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64 (host.json messageEncoding is base64): {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


async def _wait(event: asyncio.Event, timeout: float) -> bool:
    """True when ``event`` is set within ``timeout`` seconds."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        return False
    return True
