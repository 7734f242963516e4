"""Bodies of a few short texts (legal hold, erasure): what each mode takes, and the message for what it refuses."""

from __future__ import annotations

import json

import pytest

from shared.handlers.textbody import BadTextBody, text_fields, texts_and_options

LIMITS = {"who": 8, "why": 16}


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_fields_come_back_in_the_order_of_the_limits() -> None:
    assert list(text_fields(body(why="asked", who="dpo"), LIMITS, required=True)) == ["who", "why"]


def test_an_optional_body_may_be_empty_or_leave_fields_out() -> None:
    assert text_fields(b" ", LIMITS, required=False) == {}
    assert text_fields(body(why=""), LIMITS, required=False) == {"why": ""}


@pytest.mark.parametrize(
    ("raw", "required", "message"),
    [
        (b"", True, 'body: must be a JSON object {"who": ..., "why": ...}'),
        (b"[]", False, 'body: must be a JSON object {"who": ..., "why": ...}'),
        (b"{", False, "body: is not JSON"),
        (body(who="dpo", why="x", colour="red"), True, "colour: unknown field (use who and why)"),
        (body(who="dpo"), True, "why: required, printable text of at most 16 characters"),
        (body(who=" ", why="x"), True, "who: required, printable text of at most 8 characters"),
        (body(who=None), False, "who: must be printable text of at most 8 characters"),
        (body(who="x" * 9), False, "who: must be printable text of at most 8 characters"),
        (body(why="a\nb"), False, "why: must be printable text of at most 16 characters"),
        (b"[" * 40 + b"]" * 40, True, "body: is nested more than 32 levels deep"),
    ],
)
def test_a_body_that_is_not_short_printable_texts_is_refused_naming_why(
    raw: bytes, required: bool, message: str
) -> None:
    with pytest.raises(BadTextBody) as refused:
        text_fields(raw, LIMITS, required=required)
    assert str(refused.value).startswith(message)


def test_options_come_back_as_sent_beside_the_required_texts() -> None:
    texts, options = texts_and_options(body(who="dpo", why="asked", whole=True), LIMITS, {"whole", "page"})
    assert texts == {"who": "dpo", "why": "asked"}
    assert options == {"whole": True}


def test_a_field_neither_text_nor_option_is_refused_naming_both() -> None:
    with pytest.raises(BadTextBody) as refused:
        texts_and_options(body(who="dpo", why="asked", colour="red"), LIMITS, {"whole"})
    assert str(refused.value) == "colour: unknown field (use who, why and whole)"


def test_the_texts_stay_required_beside_options() -> None:
    with pytest.raises(BadTextBody, match=r"^why: required"):
        texts_and_options(body(who="dpo", whole=True), LIMITS, {"whole"})
