"""Every template parses, and main.bicep, its modules and main.parameters.json fit together."""

import json
import re
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput
from pycep import BicepParser

from tests.infra.bicep import INFRA, MAIN, bicep_files, body, parse

PARAMETERS = INFRA / "main.parameters.json"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_every_bicep_file_parses(path: Path) -> None:
    tree = parse(path)
    assert tree.get("resources") or tree.get("modules")


def test_the_parser_rejects_a_template_with_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text(MAIN.read_text().replace("targetScope = 'subscription'", "targetScope = = 'subscription'"))
    with pytest.raises(UnexpectedInput):
        BicepParser().parse(file_path=broken)


def test_main_deploys_at_subscription_scope_into_its_own_resource_group() -> None:
    tree = parse(MAIN)
    assert tree["globals"]["scope"]["value"] == "subscription"
    groups = [r for r in tree["resources"].values() if r["type"] == "Microsoft.Resources/resourceGroups"]
    assert len(groups) == 1
    assert all(body(m)["scope"] == "rg" for m in tree["modules"].values())


def test_every_module_file_is_used_by_main_and_exists() -> None:
    used = {m["detail"]["path"] for m in parse(MAIN)["modules"].values()}
    on_disk = {f"./app/{p.name}" for p in (INFRA / "app").glob("*.bicep")}
    assert used == on_disk


@pytest.mark.parametrize("symbol", sorted(parse(MAIN)["modules"]))
def test_main_passes_each_module_exactly_the_parameters_it_declares(symbol: str) -> None:
    module = parse(MAIN)["modules"][symbol]
    declared = parse(INFRA / module["detail"]["path"])["parameters"]
    passed = set(body(module)["params"])
    required = {name for name, p in declared.items() if "default" not in p}
    assert passed <= set(declared), f"unknown parameters {passed - set(declared)}"
    assert required <= passed, f"missing parameters {required - passed}"


def test_the_parameters_file_binds_only_declared_parameters_and_every_required_one() -> None:
    declared = parse(MAIN)["parameters"]
    bound = json.loads(PARAMETERS.read_text())["parameters"]
    required = {name for name, p in declared.items() if "default" not in p}
    assert set(bound) <= set(declared)
    assert required <= set(bound)


def test_the_parameters_file_falls_back_to_the_template_defaults() -> None:
    declared = parse(MAIN)["parameters"]
    for name, binding in json.loads(PARAMETERS.read_text())["parameters"].items():
        match = re.fullmatch(r"\$\{([A-Z_]+)(?:=(.*))?\}", binding["value"])
        assert match, f"{name}: {binding['value']!r} is not an azd ${{VAR}} or ${{VAR=default}}"
        fallback = match.group(2)
        if fallback is not None:
            assert fallback == str(declared[name]["default"]).lower() or fallback == declared[name]["default"]
