"""Callbacks carry a fresh RS256 JWT that verifies against the served JWKS (and a tampered one does not)."""

from __future__ import annotations

import ssl

import jwt
import pytest
import requests
from azure.communication.callautomation import CallAutomationClient

from local.emulator import Emulator
from tests.emulator.conftest import Control
from tests.emulator.flow import answered_call, of_type, place_call
from tests.emulator.receiver import Receiver


def jwks_client(emu: Emulator) -> jwt.PyJWKClient:
    context = ssl.create_default_context(cafile=emu.info["caBundle"])
    return jwt.PyJWKClient(emu.info["jwksUrl"], ssl_context=context)


def test_every_callback_token_verifies_against_the_served_jwks(
    emu: Emulator, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered = answered_call(control, sdk, subscribed)
    sdk.start_recording(server_call_id=answered.server_call_id)
    subscribed.wait(lambda _: len([r for r in subscribed.requests if "callbacks" in r.path_qs]) >= 2)
    tokens = [
        r.headers["Authorization"].removeprefix("Bearer ") for r in subscribed.requests if "callbacks" in r.path_qs
    ]
    assert len(set(tokens)) == len(tokens), "a new token for every request"
    keys = jwks_client(emu)
    for token in tokens:
        claims = jwt.decode(
            token, keys.get_signing_key_from_jwt(token).key, algorithms=["RS256"],
            audience=emu.info["audience"], issuer=emu.info["issuer"],
        )  # fmt: skip
        assert claims["exp"] - claims["iat"] == 300


def test_a_tampered_token_does_not_verify(
    emu: Emulator, control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    answered_call(control, sdk, subscribed)
    token = next(
        r.headers["Authorization"].removeprefix("Bearer ") for r in subscribed.requests if "callbacks" in r.path_qs
    )
    header, _payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        b'{"iss":"https://acscallautomation.communication.azure.com","aud":"x","exp":9999999999}'
    ).decode()
    key = jwks_client(emu).get_signing_key_from_jwt(token).key
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", key, algorithms=["RS256"], audience="x")
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["RS256"], audience="another-resource")


def test_the_openid_configuration_points_to_the_jwks(emu: Emulator) -> None:
    url = emu.info["emulatorUrl"] + "/calling/.well-known/acsopenidconfiguration"
    config = requests.get(url, verify=emu.info["caBundle"], timeout=10).json()
    assert config["jwks_uri"] == emu.info["jwksUrl"]
    assert config["issuer"] == "https://acscallautomation.communication.azure.com"
    keys = requests.get(config["jwks_uri"], verify=emu.info["caBundle"], timeout=10).json()["keys"]
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["kid"]


def test_callbacks_go_to_the_url_the_app_gave_query_string_and_all_verbatim(
    control: Control, sdk: CallAutomationClient, subscribed: Receiver
) -> None:
    """ACS posts to the callback URI as given; apps put per-call values in its query string (Microsoft's guide to
    securing the webhook: learn.microsoft.com/azure/communication-services/how-tos/call-automation/
    secure-webhook-endpoint)."""
    answer_path = "/api/callbacks?callMac=ab%2Fcd%3D&who=a+b"
    state_path = "/api/callbacks?callMac=%7Estate"
    server_call_id = place_call(control, ())["serverCallId"]
    incoming = subscribed.wait(lambda ev: of_type(ev, "IncomingCall", serverCallId=server_call_id))
    sdk.answer_call(incoming[0]["data"]["incomingCallContext"], subscribed.url(answer_path))
    sdk.start_recording(server_call_id=server_call_id, recording_state_callback_url=subscribed.url(state_path))

    def kinds_at(path: str) -> set[str]:
        return {
            str(event.get("type", "")).rsplit(".", 1)[-1]
            for request in subscribed.requests
            if request.path_qs == path
            for event in request.json()
        }

    subscribed.wait(lambda _: "CallConnected" in kinds_at(answer_path), what="CallConnected at the answer URL")
    subscribed.wait(lambda _: "RecordingStateChanged" in kinds_at(state_path), what="state callback at its URL")
