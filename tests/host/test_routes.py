"""Route templates of HTTP triggers."""

from __future__ import annotations

from typing import Any

import pytest

from local.host.indexing import FunctionSpec
from local.host.routes import MethodNotAllowed, RouteTable


def spec(name: str, route: str | None, methods: list[str] | None = None) -> FunctionSpec:
    trigger: dict[str, Any] = {"type": "httpTrigger", "name": "req", "route": route, "methods": methods}
    return FunctionSpec(name, f"id-{name}", trigger, ())


def matched(table: RouteTable, path: str, method: str = "GET") -> tuple[str, dict[str, str]] | None:
    found = table.match(path, method)
    return (found[0].name, found[1]) if found else None


def test_parameters_constraints_optional_and_catch_all_segments() -> None:
    table = RouteTable(
        [
            spec("by_id", "items/{id:int}"),
            spec("by_name", "items/{name}"),
            spec("files", "files/{*path}"),
            spec("opt", "opt/{page?}"),
        ],
        "api",
    )

    assert matched(table, "/api/items/42") == ("by_id", {"id": "42"})
    assert matched(table, "/api/items/abc") == ("by_name", {"name": "abc"})
    assert matched(table, "/api/files/a/b/c.wav") == ("files", {"path": "a/b/c.wav"})
    assert matched(table, "/api/opt") == ("opt", {})
    assert matched(table, "/API/Opt/2/") == ("opt", {"page": "2"})


def test_default_route_is_the_function_name_and_the_prefix_may_be_empty() -> None:
    assert matched(RouteTable([spec("status", None)], ""), "/status") == ("status", {})
    assert matched(RouteTable([spec("status", None)], "api"), "/status") is None


def test_method_mismatch_is_reported_only_when_no_route_accepts_the_method() -> None:
    table = RouteTable([spec("read", "thing", ["GET"]), spec("write", "thing", ["POST"])], "api")

    assert matched(table, "/api/thing", "POST") == ("write", {})
    with pytest.raises(MethodNotAllowed):
        table.match("/api/thing", "DELETE")
