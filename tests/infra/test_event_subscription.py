"""The Event Grid system topic on ACS and its subscription to the acs_events function."""

import subprocess
from typing import Any

import yaml

from tests.infra.bicep import MAIN, ROOT, body, condition, dotted, main_module, parse, the_resource

SUBSCRIPTION = "Microsoft.EventGrid/systemTopics/eventSubscriptions"


def subscription() -> dict[str, Any]:
    return the_resource(SUBSCRIPTION).properties


def test_the_system_topic_listens_to_the_acs_resource() -> None:
    topic = the_resource("Microsoft.EventGrid/systemTopics").properties
    assert topic["topicType"] == "Microsoft.Communication.CommunicationServices"
    assert dotted(topic["source"]) == "acs.id"


def test_events_go_to_the_acs_events_function_one_per_batch() -> None:
    destination = subscription()["destination"]
    assert destination["endpointType"] == "AzureFunction"
    assert destination["properties"]["resourceId"] == "${functionAppId}/functions/${functionName}"
    assert parse(the_resource(SUBSCRIPTION).file)["parameters"]["functionName"]["default"] == "acs_events"
    assert destination["properties"]["maxEventsPerBatch"] == 1


def test_only_incoming_calls_and_recording_file_updates_are_delivered() -> None:
    assert sorted(subscription()["filter"]["includedEventTypes"]) == [
        "Microsoft.Communication.IncomingCall",
        "Microsoft.Communication.RecordingFileStatusUpdated",
    ]


def test_events_use_the_event_grid_schema() -> None:
    assert subscription()["eventDeliverySchema"] == "EventGridSchema"


def test_delivery_is_retried_for_a_day_before_dead_lettering() -> None:
    parameters = parse(the_resource(SUBSCRIPTION).file)["parameters"]
    retry = subscription()["retryPolicy"]
    assert parameters[retry["maxDeliveryAttempts"]]["default"] == 30
    assert parameters[retry["eventTimeToLiveInMinutes"]]["default"] == 1440


def test_dead_letters_go_to_the_blob_container_through_the_topic_identity() -> None:
    dead_letter = subscription()["deadLetterWithResourceIdentity"]
    assert dead_letter["identity"]["type"] == "SystemAssigned"
    destination = dead_letter["deadLetterDestination"]
    assert destination["endpointType"] == "StorageBlob"
    assert destination["properties"]["blobContainerName"] == "deadLetterContainer"
    assert parse(MAIN)["parameters"]["deadLetterContainer"]["default"] == "eventgrid-deadletter"
    assert "deadLetterDestination" not in subscription(), "a key-based dead-letter destination as well"


def test_the_subscription_waits_for_the_topic_to_be_allowed_to_write_dead_letters() -> None:
    assert "access" in body(main_module("event-subscription"))["dependsOn"]


def test_the_subscription_is_deployed_only_on_the_pass_after_the_code() -> None:
    module = main_module("event-subscription")
    assert condition(module) == "createEventSubscription"
    parameter = parse(MAIN)["parameters"]["createEventSubscription"]
    assert (parameter["type"], parameter["default"]) == ("bool", False)


def test_the_postdeploy_hook_runs_the_second_provisioning_pass() -> None:
    hooks = yaml.safe_load((ROOT / "azure.yaml").read_text())["hooks"]["postdeploy"]
    assert hooks["posix"]["run"] == "./scripts/postdeploy.sh"
    assert hooks["windows"]["run"] == "./scripts/postdeploy.ps1"
    assert hooks["posix"]["interactive"] is hooks["windows"]["interactive"] is True, "its retries must be visible"
    for script in ("postdeploy.sh", "postdeploy.ps1"):
        text = (ROOT / "scripts" / script).read_text()
        assert text.index("azd env set CREATE_EVENT_SUBSCRIPTION true") < text.index("azd provision --no-prompt")


def test_the_posix_hook_is_valid_shell() -> None:
    script = ROOT / "scripts" / "postdeploy.sh"
    subprocess.run(["sh", "-n", str(script)], check=True)
    assert script.stat().st_mode & 0o111, "postdeploy.sh is not executable"
