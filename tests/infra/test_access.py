"""Role assignments: least privilege, each preceded by a comment naming its role, on the narrowest scope that is
documented to work (for the ACS identity with bring-your-own-storage, the storage account, as ACS's quickstart
assigns it)."""

import re
from typing import Any

import pytest

from tests.infra.bicep import Resource, condition, parse, resources

# Azure built-in role definition ids.
ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "09976791-48a7-449e-bb21-39d1a415f350": "Communication and Email Service Owner",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}
# (principal, role, scope) of every assignment the deployment makes.
EXPECTED = {
    ("functionPrincipalId", "Storage Blob Data Owner", "storage"),
    ("functionPrincipalId", "Storage Queue Data Contributor", "storage"),
    ("functionPrincipalId", "Storage Table Data Contributor", "storage"),
    ("functionPrincipalId", "Communication and Email Service Owner", "acs"),
    ("functionPrincipalId", "Monitoring Metrics Publisher", "applicationInsights"),
    ("acsPrincipalId", "Storage Blob Data Contributor", "storage"),
    ("systemTopicPrincipalId", "Storage Blob Data Contributor", "deadLetter"),
    ("principalId", "Storage Blob Data Reader", "archive"),
}


def assignments() -> list[Resource]:
    return resources("Microsoft.Authorization/roleAssignments")


def role_of(assignment: Resource) -> str:
    call: dict[str, Any] = assignment.properties["roleDefinitionId"]["function"]
    assert call["type"] == "subscription_resource_id"
    variable = call["parameters"]["resource_name_1"]
    return ROLES[parse(assignment.file)["variables"][variable]["value"]]


def triple(assignment: Resource) -> tuple[str, str, str]:
    return assignment.properties["principalId"], role_of(assignment), assignment.body["scope"]


def test_each_identity_gets_exactly_the_roles_it_needs_on_the_narrowest_scope() -> None:
    assert {triple(a) for a in assignments()} == EXPECTED
    assert len(assignments()) == len(EXPECTED)


@pytest.mark.parametrize("assignment", assignments(), ids=lambda a: a.symbol)
def test_each_assignment_has_a_comment_naming_its_role(assignment: Resource) -> None:
    lines = assignment.file.read_text().splitlines()
    pattern = re.compile(rf"^resource {assignment.symbol} ")
    index = next(i for i, line in enumerate(lines) if pattern.match(line))
    comment = lines[index - 1]
    assert comment.startswith("//")
    assert role_of(assignment) in comment


def test_acs_may_write_to_the_storage_account_only_with_bring_your_own_storage() -> None:
    (acs,) = [a for a in assignments() if a.properties["principalId"] == "acsPrincipalId"]
    assert condition(acs.declaration) == "recordingByos"
    assert "bring-your-own-storage" in acs.file.read_text()


def test_service_identities_are_declared_as_service_principals() -> None:
    services = [a for a in assignments() if a.properties["principalId"] != "principalId"]
    assert all(a.properties["principalType"] == "ServicePrincipal" for a in services)


def test_assignment_names_are_stable_per_scope_principal_and_role() -> None:
    for assignment in assignments():
        name = assignment.body["name"]["function"]
        assert name["type"] == "guid"
        assert assignment.properties["principalId"] in name["parameters"].values()
