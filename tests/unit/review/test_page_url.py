"""The review page's URL as `python -m local up` and the demo print it."""

from __future__ import annotations

from local.review import page_url


def test_the_page_url_carries_the_function_key_and_names_a_call_in_its_fragment() -> None:
    info = {"functionsUrl": "http://127.0.0.1:7071/", "functionKey": "a+b/c=="}
    assert page_url(info) == "http://127.0.0.1:7071/api/review?code=a%2Bb%2Fc%3D%3D"
    assert page_url(info, "Zm9v").endswith("/api/review?code=a%2Bb%2Fc%3D%3D#/call/Zm9v")


def test_without_a_key_the_page_url_has_no_code() -> None:
    assert page_url({"functionsUrl": "http://127.0.0.1:7071", "functionKey": ""}) == "http://127.0.0.1:7071/api/review"
