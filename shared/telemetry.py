"""Traces per call: one OpenTelemetry span per function invocation, exported to Application Insights.

With ``APPLICATIONINSIGHTS_CONNECTION_STRING`` set, the first invocation configures the Azure Monitor
OpenTelemetry distro (``azure-monitor-opentelemetry``): spans, and log records with their attributes, go to
Application Insights (``requests``/``dependencies`` and ``traces``, attributes in ``customDimensions``). In Azure
the app settings carry ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING`` (``ClientId=...;Authorization=AAD``), so the
exporter signs in with that managed identity. Without the setting nothing is exported and spans cost nothing.
When the Functions worker configured the distro itself (``PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true``),
its provider is used as it is.

A chunk job carries the W3C ``traceparent`` of the ``acs_events`` (or ``sweeper``) invocation that queued it, and
``archive_chunk`` continues that trace: one files-ready delivery and every chunk copy it caused form one trace.
Nothing here runs at import time of ``function_app.py``: the functions import this module when they first run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared import boundedjson

if TYPE_CHECKING:
    from shared.messages import ChunkJob

__all__ = ["SpanKind", "annotate", "configure", "current_traceparent", "invocation", "stamped", "traceparent_of"]

TRACER_NAME = "acs-call-recording"
CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
AUTHENTICATION_STRING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"

_propagator = TraceContextTextMapPropagator()
_lock = threading.Lock()
_configured = False


def configure(env: Mapping[str, str] | None = None) -> bool:
    """Export to Application Insights when the connection string is set (once per process); True if exporting."""
    global _configured
    env = os.environ if env is None else env
    with _lock:
        if _configured:
            return True
        if not env.get(CONNECTION_STRING):
            return False
        if not _sdk_provider_installed():
            from azure.monitor.opentelemetry import configure_azure_monitor

            configure_azure_monitor(connection_string=env[CONNECTION_STRING], credential=_credential(env))
        _configured = True
        return True


def _sdk_provider_installed() -> bool:
    from opentelemetry.sdk.trace import TracerProvider

    return isinstance(trace.get_tracer_provider(), TracerProvider)


def _credential(env: Mapping[str, str]) -> Any:
    """The managed identity ``ClientId=...;Authorization=AAD`` names, or None for key-based ingestion."""
    parts = dict(p.split("=", 1) for p in env.get(AUTHENTICATION_STRING, "").split(";") if "=" in p)
    if parts.get("Authorization", "").upper() != "AAD":
        return None
    from azure.identity import ManagedIdentityCredential

    client_id = parts.get("ClientId", "")
    return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()


@contextmanager
def invocation(
    name: str, *, traceparent: str = "", kind: SpanKind = SpanKind.CONSUMER, **attributes: str
) -> Iterator[Span]:
    """The span of one function invocation: a child of ``traceparent`` when given, else of the current context."""
    configure()
    parent = _propagator.extract({"traceparent": traceparent}) if traceparent else None
    tracer = trace.get_tracer(TRACER_NAME)
    given = {k: v for k, v in attributes.items() if v}
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=given) as span:
        yield span


def annotate(ids: Mapping[str, str]) -> None:
    """Put the call's ids on the current span (they become customDimensions of the request or dependency)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({k: v for k, v in ids.items() if v})


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the current span ("" outside any recording span)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def traceparent_of(body: str | bytes) -> str:
    """The ``traceparent`` a queued chunk job carries ("" for anything else; parsing errors are the handler's)."""
    try:
        found = boundedjson.loads(body)
    except ValueError:
        return ""
    value = found.get("traceparent") if isinstance(found, dict) else None
    return value if isinstance(value, str) else ""


def stamped(jobs: Iterable[ChunkJob]) -> list[str]:
    """The queue messages of ``jobs``, each carrying the current trace unless it carries one already."""
    here = current_traceparent()
    return [replace(job, traceparent=job.traceparent or here).to_json() for job in jobs]
