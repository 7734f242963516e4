"""A local Azure Functions host for Python v2-model apps, with the URLs and semantics of Core Tools (dev only).

``python -m local.host --app-dir DIR`` serves an app; ``FunctionsHost`` does the same in-process, for tests.
"""

from .server import FunctionsHost, HostStartError

__all__ = ["FunctionsHost", "HostStartError"]
