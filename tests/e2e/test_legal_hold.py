"""Legal hold through the whole local stack: the local host routes POST and DELETE to the app, which asks Azurite,
which does not implement legal holds; the answer is a 502 naming Azurite's refusal and the call is unchanged."""

from __future__ import annotations

import pytest

from local.client import LocalClient
from shared.layout import call_folder
from tests.e2e.conftest import ANSWERED_NUMBER
from tests.e2e.flow import answered_call, record_for, wait_archived

pytestmark = pytest.mark.e2e


def test_a_legal_hold_on_the_local_stack_reports_that_azurite_does_not_implement_it(
    client: LocalClient, caller: str
) -> None:
    server_call_id = answered_call(client, caller, f"4:{ANSWERED_NUMBER}")
    record_for(0.5)
    client.recording(server_call_id, "stop")
    client.hang_up(server_call_id)
    wait_archived(client, server_call_id)
    route = f"calls/{call_folder(server_call_id)}/legal-hold"
    for method in ("POST", "DELETE"):
        response = client.api(method, route, {"tag": "matter-1", "reason": "a dispute"})
        assert response.status_code == 502, response.text
        assert "APINotImplemented (HTTP 501)" in response.json()["error"]
    call = client.call(server_call_id)
    assert call is not None
    assert call["legalHold"] is None
    assert not any(line["event"] == "LegalHoldChanged" for line in call["timeline"])
    bad = client.api("POST", route, {"colour": "red"})
    assert (bad.status_code, "colour" in bad.json()["error"]) == (400, True)
