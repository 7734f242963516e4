"""A local part's main thread ends its wait on a stop signal whichever of its threads the signal was handed to."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from local.stopsignal import STOP_SIGNALS, stop_requested, wait_until_stopped

FALLBACK_SECONDS = 5.0  # the test's own way out of a wait the signal did not end


@pytest.fixture
def handlers_restored() -> Iterator[None]:
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("handlers_restored")
def test_a_sigterm_handed_to_another_thread_ends_the_main_threads_wait() -> None:
    stop = stop_requested()
    fallback = threading.Timer(FALLBACK_SECONDS, stop.set)

    def signal_this_thread() -> None:
        time.sleep(0.2)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    fallback.start()
    sender = threading.Thread(target=signal_this_thread)
    started = time.monotonic()
    sender.start()
    try:
        wait_until_stopped(stop)
    finally:
        fallback.cancel()
        sender.join()
    assert time.monotonic() - started < FALLBACK_SECONDS / 2
