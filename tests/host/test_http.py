"""HTTP triggers: routes, methods, auth levels and keys, request and response mapping, admin status."""

from __future__ import annotations

from pathlib import Path

import requests

from .conftest import HostProcess, Spawn


def test_anonymous_route_gets_route_params_and_query_without_a_key(web_host: HostProcess) -> None:
    response = requests.get(f"{web_host.url}/api/hello/ada?suffix=!", timeout=10)

    assert response.status_code == 200
    assert response.text == "hello ada!"


def test_function_route_refuses_a_missing_or_wrong_key(web_host: HostProcess) -> None:
    url = f"{web_host.url}/api/calls/c1/recording/pause"

    assert requests.post(url, json={}, timeout=10).status_code == 401
    assert requests.post(url, json={}, headers={"x-functions-key": "wrong"}, timeout=10).status_code == 401
    assert requests.post(url, json={}, params={"code": web_host.info["eventGridKey"]}, timeout=10).status_code == 401


def test_function_route_accepts_the_function_key_header_or_the_master_key_as_code(web_host: HostProcess) -> None:
    url = f"{web_host.url}/api/calls/c1/recording/pause"

    by_header = requests.post(url, json={"a": 1}, headers={"x-functions-key": web_host.info["functionKey"]}, timeout=10)
    by_code = requests.post(url, json={"a": 1}, params={"code": web_host.info["masterKey"]}, timeout=10)

    assert by_header.status_code == by_code.status_code == 202
    assert by_header.json() == {"callId": "c1", "sent": {"a": 1}, "method": "POST"}


def test_response_status_headers_and_content_type_come_from_the_http_response(web_host: HostProcess) -> None:
    response = requests.post(
        f"{web_host.url}/api/calls/c9/recording/pause",
        json={},
        params={"code": web_host.info["functionKey"]},
        timeout=10,
    )

    assert response.status_code == 202
    assert response.headers["X-Toy"] == "1"
    assert response.headers["Content-Type"] == "application/json"


def test_admin_route_needs_the_master_key(web_host: HostProcess) -> None:
    url = f"{web_host.url}/api/secret"

    assert requests.get(url, params={"code": web_host.info["functionKey"]}, timeout=10).status_code == 401
    assert requests.get(url, params={"code": web_host.info["masterKey"]}, timeout=10).text == "admin only"


def test_unknown_route_is_404_and_a_wrong_method_is_405(web_host: HostProcess) -> None:
    key = {"code": web_host.info["functionKey"]}

    assert requests.get(f"{web_host.url}/api/no/such/route", params=key, timeout=10).status_code == 404
    assert requests.get(f"{web_host.url}/api/calls/c1/recording/pause", params=key, timeout=10).status_code == 405


def test_literal_route_wins_over_a_parameter_route(web_host: HostProcess) -> None:
    key = {"code": web_host.info["functionKey"]}

    assert requests.get(f"{web_host.url}/api/calls/active", params=key, timeout=10).text == "literal route"
    assert requests.get(f"{web_host.url}/api/calls/other", params=key, timeout=10).text == "call other"


def test_async_function_is_awaited(web_host: HostProcess) -> None:
    assert requests.get(f"{web_host.url}/api/slow", timeout=10).text == "async ok"


def test_function_that_raises_answers_500(web_host: HostProcess) -> None:
    assert requests.get(f"{web_host.url}/api/boom", timeout=10).status_code == 500


def test_admin_status_answers_running_with_the_master_key_only(web_host: HostProcess) -> None:
    url = f"{web_host.url}/admin/host/status"

    assert requests.get(url, timeout=10).status_code == 401
    response = requests.get(url, headers={"x-functions-key": web_host.info["masterKey"]}, timeout=10)
    assert response.status_code == 200
    assert response.json()["state"] == "Running"


def test_without_auth_function_and_admin_routes_need_no_key(spawn_host: Spawn, tmp_path: Path) -> None:
    with spawn_host("webapp", "--keys-file", str(tmp_path / "keys.json"), "--no-auth") as host:
        assert requests.get(f"{host.url}/api/calls/x", timeout=10).text == "call x"
        assert requests.get(f"{host.url}/api/secret", timeout=10).status_code == 200
        assert requests.get(f"{host.url}/admin/host/status", timeout=10).json()["state"] == "Running"


def test_a_context_parameter_gets_the_function_name_and_a_fresh_invocation_id(web_host: HostProcess) -> None:
    first = requests.get(f"{web_host.url}/api/whoami", timeout=10).text.split()
    second = requests.get(f"{web_host.url}/api/whoami", timeout=10).text.split()

    assert first[0] == second[0] == "whoami"
    assert first[1] != second[1]


DEEP = b'{"a": ' * 200_000 + b"1" + b"}" * 200_000


def test_a_deeply_nested_json_body_reaches_the_function_and_the_host_does_not_fail(web_host: HostProcess) -> None:
    response = requests.get(
        f"{web_host.url}/api/hello/deep", data=DEEP, headers={"Content-Type": "application/json"}, timeout=30
    )

    assert (response.status_code, response.text) == (200, "hello deep")


def test_a_deeply_nested_event_grid_body_is_a_400_naming_the_problem(web_host: HostProcess) -> None:
    response = requests.post(
        f"{web_host.url}/runtime/webhooks/eventgrid",
        params={"functionName": "acs_events", "code": web_host.info["eventGridKey"]},
        data=b"[" + DEEP + b"]",
        headers={"aeg-event-type": "Notification", "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 400
    assert "not an event or an array of events" in response.text


def test_a_function_returning_a_value_without_a_return_binding_fails_as_the_runtime_rules(
    web_host: HostProcess,
) -> None:
    response = requests.post(
        f"{web_host.url}/runtime/webhooks/eventgrid",
        params={"functionName": "returns_a_value", "code": web_host.info["eventGridKey"]},
        json=[
            {
                "id": "r1",
                "eventType": "x",
                "subject": "s",
                "data": {},
                "eventTime": "2026-12-07T00:00:00Z",
                "dataVersion": "1",
                "topic": "t",
            }
        ],
        headers={"aeg-event-type": "Notification"},
        timeout=30,
    )

    assert response.status_code == 500
    assert "without a $return bindingreturned a non-None value" in web_host.logs()
