"""HTTP trigger routes: ASP.NET-style templates (``calls/{callId}``, ``{id:int}``, ``{name?}``, ``{*rest}``),
matched case-insensitively, most specific first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .indexing import FunctionSpec

_PARAMETER = re.compile(r"\{([^{}]+)\}")
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}",
}
LITERAL, MIXED, CONSTRAINED, PLAIN, OPTIONAL, CATCH_ALL = range(6)


@dataclass(frozen=True)
class Route:
    spec: FunctionSpec
    pattern: re.Pattern[str]
    names: dict[str, str]
    methods: frozenset[str] | None
    precedence: tuple[int, ...]


class MethodNotAllowed(LookupError):
    """The path matches a route whose methods do not include the request's."""


class RouteTable:
    def __init__(self, specs: list[FunctionSpec], prefix: str) -> None:
        routes = [_route(spec, prefix) for spec in specs if spec.trigger_type == "httpTrigger"]
        self._routes = sorted(routes, key=lambda route: route.precedence)

    def match(self, path: str, method: str) -> tuple[FunctionSpec, dict[str, str]] | None:
        """The function and route values for ``path``; ``MethodNotAllowed`` if only the method is wrong."""
        wrong_method = False
        for route in self._routes:
            found = route.pattern.fullmatch(path.rstrip("/") or "/")
            if found is None:
                continue
            if route.methods is not None and method.upper() not in route.methods:
                wrong_method = True
                continue
            values = {route.names[group]: value for group, value in found.groupdict().items() if value is not None}
            return route.spec, values
        if wrong_method:
            raise MethodNotAllowed(path)
        return None


def _route(spec: FunctionSpec, prefix: str) -> Route:
    template = str(spec.trigger.get("route") or spec.name).strip("/")
    full = "/".join(part for part in (prefix, template) if part)
    names: dict[str, str] = {}
    pattern, precedence = "", []
    for segment in full.split("/"):
        regex, rank = _segment(segment, names)
        pattern += regex
        precedence.append(rank)
    methods = spec.trigger.get("methods")
    allowed = frozenset(str(method).upper() for method in methods) if methods else None
    return Route(spec, re.compile(pattern or "/", re.IGNORECASE), names, allowed, tuple(precedence))


def _segment(segment: str, names: dict[str, str]) -> tuple[str, int]:
    """The regex for ``/segment`` (the slash included, optional with the segment) and its precedence rank."""
    whole = _PARAMETER.fullmatch(segment)
    if whole is None:
        pieces = _PARAMETER.split(segment)
        regex = "".join(
            re.escape(piece) if index % 2 == 0 else _parameter(piece, names)[0] for index, piece in enumerate(pieces)
        )
        return "/" + regex, MIXED if len(pieces) > 1 else LITERAL
    regex, rank = _parameter(whole.group(1), names)
    if rank in (OPTIONAL, CATCH_ALL):
        return f"(?:/{regex})?", rank
    return "/" + regex, rank


def _parameter(text: str, names: dict[str, str]) -> tuple[str, int]:
    name, _, constraint = text.partition(":")
    name = name.split("=", 1)[0]
    catch_all = name.startswith("*")
    optional = name.endswith("?") or constraint.endswith("?") or "=" in text
    name = name.strip("*?")
    group = f"p{len(names)}"
    names[group] = name
    constraint = constraint.rstrip("?").split("(", 1)[0]
    if catch_all:
        return f"(?P<{group}>.*)", CATCH_ALL
    body = _CONSTRAINTS.get(constraint.lower(), r"[^/]+")
    rank = OPTIONAL if optional else CONSTRAINED if constraint else PLAIN
    return f"(?P<{group}>{body})", rank
