"""The Event Grid system topic on ACS and its two subscriptions to the acs_events function: IncomingCall (short life,
few attempts) and RecordingFileStatusUpdated (a day of retries, then a dead letter), created only once the function
exists."""

import json
from typing import Any

import pytest
import yaml

from tests.infra.bicep import MAIN, ROOT, Resource, body, condition, dotted, main_module, parse, resources, the_resource

SUBSCRIPTION = "Microsoft.EventGrid/systemTopics/eventSubscriptions"
INCOMING_CALL = "Microsoft.Communication.IncomingCall"
FILES_READY = "Microsoft.Communication.RecordingFileStatusUpdated"


def subscriptions() -> dict[str, Resource]:
    """The subscriptions by the one event type each delivers."""
    found = {}
    for subscription in resources(SUBSCRIPTION):
        (event_type,) = subscription.properties["filter"]["includedEventTypes"]
        found[event_type] = subscription
    return found


def default(subscription: Resource, parameter: str) -> Any:
    return parse(subscription.file)["parameters"][parameter]["default"]


def destination(subscription: Resource) -> dict[str, Any]:
    value = subscription.properties["destination"]
    found: dict[str, Any] = parse(subscription.file)["variables"][value]["value"] if isinstance(value, str) else value
    return found


def retry(subscription: Resource) -> tuple[int, int]:
    policy = subscription.properties["retryPolicy"]
    return default(subscription, policy["maxDeliveryAttempts"]), default(
        subscription, policy["eventTimeToLiveInMinutes"]
    )


def test_the_system_topic_listens_to_the_acs_resource() -> None:
    topic = the_resource("Microsoft.EventGrid/systemTopics").properties
    assert topic["topicType"] == "Microsoft.Communication.CommunicationServices"
    assert dotted(topic["source"]) == "acs.id"


def test_one_subscription_per_event_type_and_no_other_type() -> None:
    assert sorted(subscriptions()) == [INCOMING_CALL, FILES_READY]
    assert len(resources(SUBSCRIPTION)) == 2


@pytest.mark.parametrize("event_type", [INCOMING_CALL, FILES_READY])
def test_events_go_to_the_acs_events_function_one_per_batch_in_the_event_grid_schema(event_type: str) -> None:
    subscription = subscriptions()[event_type]
    target = destination(subscription)
    assert target["endpointType"] == "AzureFunction"
    assert target["properties"]["resourceId"] == "${functionAppId}/functions/${functionName}"
    assert default(subscription, "functionName") == "acs_events"
    assert target["properties"]["maxEventsPerBatch"] == 1
    assert subscription.properties["eventDeliverySchema"] == "EventGridSchema"


def test_an_incoming_call_lives_a_minute_and_is_tried_a_few_times() -> None:
    attempts, minutes = retry(subscriptions()[INCOMING_CALL])
    assert attempts <= 3
    assert minutes <= 2


def test_an_incoming_call_is_not_dead_lettered() -> None:
    properties = subscriptions()[INCOMING_CALL].properties
    assert "deadLetterWithResourceIdentity" not in properties
    assert "deadLetterDestination" not in properties


def test_files_ready_is_retried_for_a_day_then_dead_lettered() -> None:
    assert retry(subscriptions()[FILES_READY]) == (30, 1440)


def test_files_ready_dead_letters_go_to_the_blob_container_through_the_topic_identity() -> None:
    properties = subscriptions()[FILES_READY].properties
    dead_letter = properties["deadLetterWithResourceIdentity"]
    assert dead_letter["identity"]["type"] == "SystemAssigned"
    target = dead_letter["deadLetterDestination"]
    assert target["endpointType"] == "StorageBlob"
    assert target["properties"]["blobContainerName"] == "deadLetterContainer"
    assert parse(MAIN)["parameters"]["deadLetterContainer"]["default"] == "eventgrid-deadletter"
    assert "deadLetterDestination" not in properties, "a key-based dead-letter destination as well"


def test_the_subscriptions_wait_for_the_topic_to_be_allowed_to_write_dead_letters() -> None:
    assert "access" in body(main_module("event-subscription"))["dependsOn"]


def test_the_files_ready_subscription_keeps_the_name_existing_deployments_gave_the_single_one() -> None:
    params = body(main_module("event-subscription"))["params"]
    assert params["recordingFilesName"] == "${abbrs.eventGridEventSubscriptions}acs-events"
    assert params["incomingCallsName"] == "${abbrs.eventGridEventSubscriptions}incoming-calls"


def test_the_subscriptions_are_deployed_only_when_the_pass_asks_for_them() -> None:
    assert condition(main_module("event-subscription")) == "createEventSubscriptions"
    parameter = parse(MAIN)["parameters"]["createEventSubscriptions"]
    assert (parameter["type"], parameter["default"]) == ("bool", False)


def test_the_pass_variable_has_no_value_but_the_hooks_and_no_old_variable_is_read() -> None:
    bound = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    assert bound["createEventSubscriptions"]["value"] == "${EVENT_SUBSCRIPTIONS_PASS=false}"
    everything_that_sets_values = [
        ROOT / "azure.yaml",
        ROOT / "infra" / "main.parameters.json",
        ROOT / ".github" / "workflows" / "deploy.yml",
        *(ROOT / "scripts").iterdir(),
    ]
    for path in everything_that_sets_values:
        assert "CREATE_EVENT_SUBSCRIPTION" not in path.read_text(), path
        assert "azd env set EVENT_SUBSCRIPTIONS_PASS" not in path.read_text(), path


def test_azure_yaml_runs_the_hooks_that_create_the_subscriptions_and_guard_every_provisioning() -> None:
    hooks = yaml.safe_load((ROOT / "azure.yaml").read_text())["hooks"]
    for hook in ("preprovision", "postdeploy", "predown", "postdown"):
        assert hooks[hook]["posix"]["run"] == f"./scripts/{hook}.sh"
        assert hooks[hook]["windows"]["run"] == f"./scripts/{hook}.ps1"
        assert (ROOT / "scripts" / f"{hook}.sh").stat().st_mode & 0o111, f"{hook}.sh is not executable"
    assert hooks["postdeploy"]["posix"]["interactive"] is hooks["postdeploy"]["windows"]["interactive"] is True
    assert hooks["preprovision"]["posix"]["continueOnError"] is False
