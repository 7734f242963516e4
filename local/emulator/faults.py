"""Fault injection: on recording downloads (errors, resets, truncation, slowness) and on Event Grid delivery."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .exceptions import BadRequest

DOWNLOAD_KINDS = ("500", "503", "429", "reset", "truncate", "slow", "redirect")


@dataclass
class DownloadFault:
    """``kind`` for the next ``count`` downloads, or for each download with ``probability``."""

    kind: str
    probability: float | None = None
    count: int | None = None
    retry_after: float = 1.0
    bytes_per_second: float = 64 * 1024
    location: str = ""  # where a ``redirect`` fault sends the client (302)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "probability": self.probability, "count": self.count,
                "retryAfter": self.retry_after, "bytesPerSecond": self.bytes_per_second,
                "location": self.location}  # fmt: skip


@dataclass
class EventGridFaults:
    duplicates: int = 1
    shuffle: bool = False
    delay_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"duplicates": self.duplicates, "shuffle": self.shuffle, "delaySeconds": self.delay_seconds}


@dataclass
class RestFault:
    """The next ``count`` REST requests whose ``METHOD /path`` contains ``match`` answer ``status``."""

    status: int
    count: int
    match: str = ""
    retry_after: float = 1.0

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "count": self.count, "match": self.match, "retryAfter": self.retry_after}


@dataclass
class Faults:
    downloads: list[DownloadFault] = field(default_factory=list)
    eventgrid: EventGridFaults = field(default_factory=EventGridFaults)
    rng: random.Random = field(default_factory=random.Random)
    fired: dict[str, int] = field(default_factory=dict)  # faults served so far, by kind
    start_failures: int = 0  # the next N recording starts end in StartRecordingFailed
    rest: list[RestFault] = field(default_factory=list)

    def next_download(self) -> DownloadFault | None:
        """The fault for this download, if any: counted faults first (each use counts), then by probability."""
        for fault in self.downloads:
            if fault.count is not None and fault.count > 0:
                fault.count -= 1
                return self._fire(fault)
        for fault in self.downloads:
            if fault.probability is not None and self.rng.random() < fault.probability:
                return self._fire(fault)
        return None

    def next_rest(self, method: str, path: str) -> RestFault | None:
        for fault in self.rest:
            if fault.count > 0 and fault.match in f"{method} {path}":
                fault.count -= 1
                self.fired[f"rest{fault.status}"] = self.fired.get(f"rest{fault.status}", 0) + 1
                return fault
        return None

    def _fire(self, fault: DownloadFault) -> DownloadFault:
        self.fired[fault.kind] = self.fired.get(fault.kind, 0) + 1
        return fault

    def as_json(self) -> dict[str, Any]:
        return {"downloads": [f.as_json() for f in self.downloads], "eventgrid": self.eventgrid.as_json(),
                "fired": dict(self.fired), "recordings": {"startFailures": self.start_failures},
                "rest": [f.as_json() for f in self.rest]}  # fmt: skip


def parse_download_fault(body: dict[str, Any]) -> DownloadFault:
    kind = str(body.get("kind", ""))
    if kind not in DOWNLOAD_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(DOWNLOAD_KINDS)}")
    probability, count = body.get("probability"), body.get("count")
    if (probability is None) == (count is None):
        raise BadRequest("give either probability (0..1) or count (next N downloads)")
    if probability is not None and not 0 <= float(probability) <= 1:
        raise BadRequest("probability must be between 0 and 1")
    return DownloadFault(
        kind=kind,
        probability=None if probability is None else float(probability),
        count=None if count is None else int(count),
        retry_after=float(body.get("retryAfter", 1)),
        bytes_per_second=float(body.get("bytesPerSecond", 64 * 1024)),
        location=str(body.get("location", "http://127.0.0.1:9/")),
    )


def parse_eventgrid_faults(body: dict[str, Any]) -> EventGridFaults:
    duplicates = int(body.get("duplicates", 1))
    if duplicates < 1:
        raise BadRequest("duplicates is the number of deliveries of each event (at least 1)")
    return EventGridFaults(duplicates, bool(body.get("shuffle", False)), float(body.get("delaySeconds", 0)))


def parse_rest_fault(body: dict[str, Any]) -> RestFault:
    status, count = body.get("status"), body.get("count", 1)
    if status not in (429, 500, 503) or not isinstance(count, int) or count < 1:
        raise BadRequest("a REST fault needs status 429, 500 or 503 and a count of at least 1")
    return RestFault(int(status), count, str(body.get("match", "")), float(body.get("retryAfter", 1)))
