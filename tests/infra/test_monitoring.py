"""Monitoring as code: diagnostic settings into Log Analytics, alerts on every failure that puts a recording at risk,
all routed to one action group, and a budget."""

import json
import re
from typing import Any

import pytest

from tests.infra.bicep import MAIN, ROOT, Resource, body, condition, dotted, main_module, parse, resources, walk

DIAGNOSTICS = "Microsoft.Insights/diagnosticSettings"
METRIC_ALERT = "Microsoft.Insights/metricAlerts"
LOG_ALERT = "Microsoft.Insights/scheduledQueryRules"
QUERY_FILE = ROOT / "infra" / "app" / "queries" / "not-archived.kql"


def by_symbol(resource_type: str) -> dict[str, Resource]:
    return {r.symbol: r for r in resources(resource_type)}


def categories(setting: Resource, kind: str = "logs") -> set[str]:
    return {entry["category"] for entry in setting.properties.get(kind, []) if entry["enabled"] is True}


def test_diagnostics_go_to_the_log_analytics_workspace() -> None:
    settings = resources(DIAGNOSTICS)
    assert len(settings) == 3
    assert {s.properties["workspaceId"] for s in settings} == {"workspaceId"}
    assert dotted(body(main_module("diagnostics"))["params"]["workspaceId"]) == "monitoring.outputs.logAnalyticsId"


def test_every_read_write_and_delete_of_blobs_is_logged() -> None:
    setting = by_symbol(DIAGNOSTICS)["blobLogs"]
    assert setting.body["scope"] == "blobService"
    assert categories(setting) == {"StorageRead", "StorageWrite", "StorageDelete"}


def test_call_automation_and_recording_logs_of_acs_are_kept() -> None:
    setting = by_symbol(DIAGNOSTICS)["acsLogs"]
    assert setting.body["scope"] == "acs"
    assert categories(setting) == {"CallAutomationOperational", "CallRecordingSummary"}


def test_event_grid_delivery_failures_and_metrics_are_kept() -> None:
    setting = by_symbol(DIAGNOSTICS)["topicLogs"]
    assert setting.body["scope"] == "systemTopic"
    assert categories(setting) == {"DeliveryFailures"}
    assert categories(setting, "metrics") == {"AllMetrics"}


def alert_rules() -> list[Resource]:
    return resources(METRIC_ALERT) + resources(LOG_ALERT)


def notified_groups(rule: Resource) -> list[str | None]:
    """The action groups a rule notifies: metric alerts list {actionGroupId}, log alerts {actionGroups: [...]}."""
    actions = rule.properties["actions"]
    if isinstance(actions, str):
        actions = parse(rule.file)["variables"][actions]["value"]
    if isinstance(actions, dict):
        return [dotted(group) for group in actions["actionGroups"]]
    return [dotted(action["actionGroupId"]) for action in actions]


def test_every_alert_notifies_the_action_group() -> None:
    assert len(alert_rules()) == 5
    for rule in alert_rules():
        assert notified_groups(rule) == ["actionGroup.id"], rule.symbol
        assert rule.properties["enabled"] is True


def test_the_action_group_emails_the_operator_when_an_address_is_given() -> None:
    (group,) = resources("Microsoft.Insights/actionGroups")
    receivers = group.properties["emailReceivers"]["operator"]
    assert receivers["type"] == "conditional"
    assert receivers["operands"]["false_value"][0]["emailAddress"] == "alertEmail"
    assert receivers["operands"]["false_value"][0]["useCommonAlertSchema"] is True
    assert body(main_module("alerts"))["params"]["alertEmail"] == "alertEmail"
    bound = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    assert bound["alertEmail"]["value"] == "${ALERT_EMAIL}"


@pytest.mark.parametrize(
    ("symbol", "metric"), [("deadLettered", "DeadLetteredCount"), ("droppedCalls", "DroppedEventCount")]
)
def test_event_grid_dead_letters_and_drops_raise_an_alert_at_the_first_event(symbol: str, metric: str) -> None:
    rule = by_symbol(METRIC_ALERT)[symbol]
    assert rule.properties["scopes"] == ["systemTopic.id"] or [dotted(s) for s in rule.properties["scopes"]] == [
        "systemTopic.id"
    ]
    (criterion,) = rule.properties["criteria"]["allOf"]
    assert (criterion["metricNamespace"], criterion["metricName"]) == ("Microsoft.EventGrid/systemTopics", metric)
    assert (criterion["operator"], criterion["threshold"], criterion["timeAggregation"]) == ("GreaterThan", 0, "Total")
    assert rule.properties["evaluationFrequency"] == "PT5M"


def query_of(symbol: str) -> Any:
    (criterion,) = by_symbol(LOG_ALERT)[symbol].properties["criteria"]["allOf"]
    return criterion


def function_names() -> set[str]:
    return set(re.findall(r'@app\.function_name\("(\w+)"\)', (ROOT / "function_app.py").read_text()))


def test_a_message_in_a_poison_queue_raises_an_alert() -> None:
    criterion = query_of("poisoned")
    handlers = set(re.findall(r'"(\w+)"', criterion["query"]))
    assert handlers == {"chunk_poison", "verify_poison"}
    assert handlers <= function_names(), "the poison handlers are functions of the app"
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)


def test_failed_invocations_raise_an_alert_per_function() -> None:
    criterion = query_of("failures")
    assert "success == false" in criterion["query"]
    assert criterion["dimensions"][0]["name"] == "name"
    assert criterion["threshold"] == "failureThreshold"


def readme_query() -> str:
    readme = (ROOT / "README.md").read_text()
    heading = "Every recording not archived within an hour of files-ready:"
    block = readme[readme.index(heading) :]
    return block[block.index("```kusto\n") + len("```kusto\n") : block.index("```\n", block.index("```kusto") + 8)]


def test_the_readmes_query_for_recordings_not_archived_is_the_alerts_query() -> None:
    assert readme_query() == QUERY_FILE.read_text().replace("{deadline}", "1h")


def test_a_recording_not_archived_in_time_raises_an_alert() -> None:
    criterion = query_of("notArchived")
    assert criterion["query"] == "notArchivedQuery"
    variable = str(parse(by_symbol(LOG_ALERT)["notArchived"].file)["variables"]["notArchivedQuery"])
    assert "queries/not-archived.kql" in variable
    assert "'{deadline}'" in variable
    assert "${archiveDeadlineMinutes}m" in variable
    assert "| where isnull(archivedAt)" in variable, "only recordings still not archived"
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
    rule = by_symbol(LOG_ALERT)["notArchived"].properties
    assert rule["windowSize"] == "P2D", "the query looks two days back"
    assert "milestone" in QUERY_FILE.read_text()
    assert "{deadline}" in QUERY_FILE.read_text()
    assert parse(MAIN)["parameters"]["archiveDeadlineMinutes"]["default"] == 60


def test_the_milestones_the_query_reads_are_logged_by_the_app() -> None:
    logged = "\n".join(p.read_text() for p in (ROOT / "shared").rglob("*.py"))
    for milestone in re.findall(r'milestone\) == "(\w+)"', QUERY_FILE.read_text()):
        assert f'"{milestone}"' in logged, milestone


def test_a_monthly_budget_notifies_at_80_percent_spent_and_100_percent_forecast() -> None:
    (budget,) = resources("Microsoft.Consumption/budgets")
    assert budget.properties["timeGrain"] == "Monthly"
    notifications = budget.properties["notifications"]
    thresholds = {}
    for notification in notifications.values():
        settings = notification["function"]["parameters"]["arg_2"]
        thresholds[settings["thresholdType"]] = settings["threshold"]
        assert notification["function"]["parameters"]["arg_1"] == "contacts"
    assert thresholds == {"Actual": 80, "Forecasted": 100}
    contacts = parse(budget.file)["variables"]["contacts"]["value"]
    assert contacts["contactGroups"] == ["actionGroupId"]
    assert condition(main_module("budget")) is not None
    assert dotted(body(main_module("budget"))["params"]["actionGroupId"]) == "alerts.outputs.actionGroupId"


def test_the_budget_keeps_its_first_start_date() -> None:
    outputs = parse(MAIN)["outputs"]
    assert outputs["BUDGET_START_DATE"]["value"] == "budgetStart"
    bound = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    assert bound["budgetStartDate"]["value"] == "${BUDGET_START_DATE}"
    start = parse(MAIN)["variables"]["budgetStart"]["value"]
    assert any(isinstance(n, dict) and n.get("type") == "conditional" for n in walk(start))
    assert "utcNow" in str(parse(MAIN)["parameters"]["today"]) or "utc_now" in str(parse(MAIN)["parameters"]["today"])
