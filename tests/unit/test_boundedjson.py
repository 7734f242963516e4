"""JSON from outside the process is read within bounds: depth, size and finite numbers, each refused by name."""

from __future__ import annotations

import pytest

from shared import boundedjson
from shared.boundedjson import BadJson


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_a_document_within_bounds_reads_as_json_loads_reads_it() -> None:
    text = '{"a": [1, 2.5, {"b": "x]]]}}}"}], "c": null}'
    assert boundedjson.loads(text.encode()) == {"a": [1, 2.5, {"b": "x]]]}}}"}], "c": None}
    assert boundedjson.loads(deep(boundedjson.MAX_DEPTH)) == boundedjson.loads(deep(boundedjson.MAX_DEPTH))


@pytest.mark.parametrize("levels", [boundedjson.MAX_DEPTH + 1, 25_000, 200_000])
def test_a_document_nested_deeper_than_the_bound_is_refused_before_parsing(levels: int) -> None:
    with pytest.raises(BadJson, match="nested more than"):
        boundedjson.loads(deep(levels).encode())


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '{"a": "' + "[" * 1000 + '\\"' + "{" * 1000 + '"}'
    assert boundedjson.nesting(text) == 1
    assert boundedjson.loads(text)["a"].startswith("[[")


@pytest.mark.parametrize(("text", "named"), [("[NaN]", "NaN"), ('{"x": Infinity}', "Infinity"), ("1e999", "1e999")])
def test_non_finite_numbers_are_refused(text: str, named: str) -> None:
    with pytest.raises(BadJson, match=named):
        boundedjson.loads(text)


def test_a_document_longer_than_its_reader_allows_is_refused() -> None:
    with pytest.raises(BadJson, match="more than the 10 allowed"):
        boundedjson.loads(b'"' + b"x" * 20 + b'"', max_bytes=10)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b"{", b""])
def test_what_is_not_json_is_a_bad_json_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        boundedjson.loads(data)
