"""The function app: Flex Consumption, Python 3.13, user-assigned identity, HTTPS only, nothing FC1 rejects."""

import json
import re

import yaml

from tests.infra.bicep import MAIN, ROOT, body, dotted, main_module, parse, resources, the_resource, walk

SITE = "Microsoft.Web/sites"


def test_the_plan_is_flex_consumption_fc1() -> None:
    plan = the_resource("Microsoft.Web/serverfarms").body
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    assert plan["properties"]["reserved"] is True


def test_the_app_runs_python_3_13_on_linux() -> None:
    site = the_resource(SITE)
    assert site.body["kind"] == "functionapp,linux"
    assert site.properties["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.13"}


def test_the_app_runs_as_the_user_assigned_identity_only() -> None:
    identity = the_resource(SITE).body["identity"]
    assert identity["type"] == "UserAssigned"
    # The app's own identity, and the one the platform handles the code package with (see access.bicep).
    assert list(identity["userAssignedIdentities"]) == ["'${identityId}'", "'${deploymentIdentityId}'"]
    assert the_resource("Microsoft.ManagedIdentity/userAssignedIdentities")


def test_the_app_is_https_only_and_sets_no_site_config_flex_consumption_rejects() -> None:
    # Microsoft's Flex Consumption templates (azure-quickstart-templates function-app-flex-managed-identities,
    # azure-functions-flex-consumption-samples) set no siteConfig besides app settings; FC1 rejects ftpsState in
    # some regions (error 51021). TLS 1.2 is the platform's default minimum.
    properties = the_resource(SITE).properties
    assert properties["httpsOnly"] is True
    assert "siteConfig" not in properties
    assert "clientCertEnabled" not in properties


def test_basic_publishing_to_the_scm_site_is_off_and_no_ftp_policy_is_set() -> None:
    policies = resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    assert [(p.body["name"], p.properties["allow"]) for p in policies] == [("scm", False)]


def test_the_instance_count_stays_within_what_flex_consumption_accepts() -> None:
    for file in (MAIN, the_resource(SITE).file):
        decorators = {
            d["type"]: d.get("argument") for d in parse(file)["parameters"]["maximumInstanceCount"]["decorators"]
        }
        assert (decorators["min_value"], decorators["max_value"]) == (40, 1000)


def test_azd_asks_for_the_location_from_its_list_of_regions() -> None:
    decorators = parse(MAIN)["parameters"]["location"]["decorators"]
    assert {"type": "metadata", "argument": {"azd": {"type": "location"}}} in decorators


def test_switches_are_bool_parameters() -> None:
    parameters = parse(MAIN)["parameters"]
    for name in ("createEventSubscriptions", "recordingByos", "deleteSourceAfterArchive"):
        assert (parameters[name]["type"], parameters[name]["default"]) == ("bool", False), name


def test_the_abbreviations_are_azds_full_list() -> None:
    names = json.loads((ROOT / "infra" / "abbreviations.json").read_text())
    assert len(names) > 200
    used = re.findall(r"abbrs\.(\w+)", MAIN.read_text())
    assert used
    assert all(name in names for name in used)


def test_the_package_is_deployed_from_blob_storage_with_the_identity() -> None:
    storage = the_resource(SITE).properties["functionAppConfig"]["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["value"] == "${blobEndpoint}${deploymentContainer}"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "deploymentIdentityId",
    }
    assert dotted(body(main_module("function"))["params"]["deploymentIdentityId"]) == "deploymentIdentity.outputs.id"


def test_azd_finds_the_app_by_the_service_name_in_azure_yaml() -> None:
    tags = the_resource(SITE).body["tags"]["function"]
    assert tags["type"] == "union"
    assert tags["parameters"]["arg_2"] == {"'azd-service-name'": "serviceName"}
    service = parse(MAIN)["variables"]["serviceName"]["value"]
    assert body(main_module("function"))["params"]["serviceName"] == "serviceName"
    services = yaml.safe_load((ROOT / "azure.yaml").read_text())["services"]
    assert services == {service: {"project": ".", "language": "python", "host": "function"}}


def test_acs_events_and_the_http_functions_have_always_ready_instances_by_default() -> None:
    scale = the_resource(SITE).properties["functionAppConfig"]["scaleAndConcurrency"]
    assert scale["alwaysReady"] == "alwaysReady"
    variables = parse(the_resource(SITE).file)["variables"]
    combined = variables["alwaysReady"]["value"]["function"]
    assert (combined["type"], list(combined["parameters"].values())) == ("concat", ["acsEventsReady", "httpReady"])
    for variable, group, count in [
        ("acsEventsReady", "function:acs_events", "alwaysReadyAcsEvents"),
        ("httpReady", "http", "alwaysReadyHttp"),
    ]:
        expression = variables[variable]["value"]
        (choice,) = [n for n in walk(expression) if isinstance(n, dict) and n.get("type") == "conditional"]
        assert choice["operands"]["true_value"] == [{"name": group, "instanceCount": count}]
        assert choice["operands"]["false_value"] == [], "a group with 0 instances is left out"
        assert count in str(expression).replace(str(choice), ""), "the guard tests the group's own count"
    main = parse(MAIN)["parameters"]
    assert main["alwaysReadyAcsEvents"]["default"] == main["alwaysReadyHttp"]["default"] == 1
    params = body(main_module("function"))["params"]
    assert (params["alwaysReadyAcsEvents"], params["alwaysReadyHttp"]) == ("alwaysReadyAcsEvents", "alwaysReadyHttp")
