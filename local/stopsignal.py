"""Waiting, in a local part's main thread, for the signal that stops it (SIGTERM, or SIGINT from a terminal)."""

from __future__ import annotations

import signal
import threading

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
WAKE_SECONDS = 0.2
"""How long the main thread sleeps at a time. The kernel hands a process's signal to any of its threads that does not
block it, and Python runs the handler only in the main thread: a main thread asleep in ``Event.wait()`` with no
timeout wakes only if the signal was handed to it, so with the part's own threads running it could sleep through its
SIGTERM. Waking now and then lets the interpreter run a handler another thread's signal left pending."""


def stop_requested() -> threading.Event:
    """An event set when a stop signal arrives (install it before the part starts threads of its own)."""
    stop = threading.Event()
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop.set())
    return stop


def wait_until_stopped(stop: threading.Event) -> None:
    """Return once ``stop`` is set, by a stop signal whichever thread it was handed to, or by the part itself."""
    while not stop.wait(WAKE_SECONDS):
        continue
