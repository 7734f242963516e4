"""Read the Bicep templates through pycep-parser and answer the questions the infra tests ask of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parse(path: Path) -> dict[str, Any]:
    """The pycep tree of one file (raises lark's UnexpectedInput on a syntax error)."""
    tree: dict[str, Any] = dict(BicepParser().parse(file_path=path))
    return tree


def module_file(name: str) -> Path:
    return INFRA / "app" / f"{name}.bicep"


def body(declaration: dict[str, Any]) -> dict[str, Any]:
    """A resource's or module's body, unwrapped from its `if (...)` condition when it has one."""
    config: dict[str, Any] = declaration["config"]
    if set(config) == {"condition", "config"}:
        inner: dict[str, Any] = config["config"]
        return inner
    return config


def condition(declaration: dict[str, Any]) -> Any:
    config = declaration["config"]
    return config["condition"] if set(config) == {"condition", "config"} else None


@dataclass(frozen=True)
class Resource:
    file: Path
    symbol: str
    type: str
    declaration: dict[str, Any]

    @property
    def body(self) -> dict[str, Any]:
        return body(self.declaration)

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.body.get("properties", {})
        return props


def resources(resource_type: str, *, include_existing: bool = False) -> list[Resource]:
    """Every declared resource of a type, across all files."""
    found = []
    for path in bicep_files():
        for symbol, declaration in parse(path).get("resources", {}).items():
            if declaration["type"] == resource_type and (include_existing or not declaration["existing"]):
                found.append(Resource(path, symbol, declaration["type"], declaration))
    return found


def the_resource(resource_type: str) -> Resource:
    found = resources(resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {[r.symbol for r in found]}"
    return found[0]


def dotted(expression: Any) -> str | None:
    """`a.b.c` for a property-accessor chain, else None."""
    if isinstance(expression, str):
        return expression
    if isinstance(expression, dict) and expression.get("operator", {}).get("type") == "property_accessor":
        operands = expression["operator"]["operands"]
        left, right = dotted(operands["operand_1"]), dotted(operands["operand_2"])
        return f"{left}.{right}" if left and right else None
    return None


def main_module(path: str) -> dict[str, Any]:
    """The declaration in main.bicep of the module at `./app/<path>.bicep`."""
    for declaration in parse(MAIN)["modules"].values():
        if declaration["detail"]["path"] == f"./app/{path}.bicep":
            found: dict[str, Any] = declaration
            return found
    raise AssertionError(f"main.bicep does not use ./app/{path}.bicep")


def literal_through_main(module: str, value: Any) -> str | None:
    """The literal a module-side value ends up as: itself, or the main.bicep parameter default feeding it.

    Returns None for anything computed during the deployment (an expression, an output, a variable).
    """
    if not isinstance(value, str) or "${" in value:
        return None
    if value not in parse(module_file(module)).get("parameters", {}):
        return value
    passed = body(main_module(module))["params"].get(value)
    main_parameters = parse(MAIN)["parameters"]
    if isinstance(passed, str) and passed in main_parameters:
        default = main_parameters[passed].get("default")
        return default if isinstance(default, str) else None
    return None


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar inside a tree, depth first."""
    yield node
    if isinstance(node, dict):
        for child in node.values():
            yield from walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)
