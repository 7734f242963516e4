"""The function app: Flex Consumption, Python 3.11, user-assigned identity, HTTPS and TLS 1.2 only."""

import yaml

from tests.infra.bicep import MAIN, ROOT, body, main_module, parse, resources, the_resource

SITE = "Microsoft.Web/sites"


def test_the_plan_is_flex_consumption_fc1() -> None:
    plan = the_resource("Microsoft.Web/serverfarms").body
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    assert plan["properties"]["reserved"] is True


def test_the_app_runs_python_3_11_on_linux() -> None:
    site = the_resource(SITE)
    assert site.body["kind"] == "functionapp,linux"
    assert site.properties["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}


def test_the_app_runs_as_the_user_assigned_identity_only() -> None:
    identity = the_resource(SITE).body["identity"]
    assert identity["type"] == "UserAssigned"
    assert list(identity["userAssignedIdentities"]) == ["'${identityId}'"]
    assert the_resource("Microsoft.ManagedIdentity/userAssignedIdentities")


def test_the_app_is_https_only_with_tls_1_2_and_no_ftp() -> None:
    properties = the_resource(SITE).properties
    assert properties["httpsOnly"] is True
    assert properties["siteConfig"]["minTlsVersion"] == "1.2"
    assert properties["siteConfig"]["scmMinTlsVersion"] == "1.2"
    assert properties["siteConfig"]["ftpsState"] == "Disabled"


def test_basic_publishing_credentials_are_off() -> None:
    policies = resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    assert sorted(p.body["name"] for p in policies) == ["ftp", "scm"]
    assert all(p.properties["allow"] is False for p in policies)


def test_the_package_is_deployed_from_blob_storage_with_the_identity() -> None:
    storage = the_resource(SITE).properties["functionAppConfig"]["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["value"] == "${blobEndpoint}${deploymentContainer}"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }


def test_azd_finds_the_app_by_the_service_name_in_azure_yaml() -> None:
    tags = the_resource(SITE).body["tags"]["function"]
    assert tags["type"] == "union"
    assert tags["parameters"]["arg_2"] == {"'azd-service-name'": "serviceName"}
    service = parse(MAIN)["variables"]["serviceName"]["value"]
    assert body(main_module("function"))["params"]["serviceName"] == "serviceName"
    services = yaml.safe_load((ROOT / "azure.yaml").read_text())["services"]
    assert services == {service: {"project": ".", "language": "python", "host": "function"}}
