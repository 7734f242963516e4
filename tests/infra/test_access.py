"""Role assignments: least privilege, each preceded by a comment naming its role, on the narrowest scope that works;
in the one storage account, the function identity's account-wide Owner role is read-only in the archive and package
containers, where it writes with roles that cannot touch a retention policy or the code package."""

import re
from typing import Any

import pytest

from tests.infra.bicep import ROOT, Resource, condition, dotted, parse, resources

# Azure built-in role definition ids.
ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "09976791-48a7-449e-bb21-39d1a415f350": "Communication and Email Service Owner",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "21090545-7ca7-4776-b22c-e363652d74d2": "Key Vault Reader",
}
# Custom role definitions declared in the templates, by symbol (tests/infra/test_keyvault.py checks their actions).
CUSTOM_ROLES = {"manifestSigner": "Manifest signer"}
# (principal, role, scope) of every assignment the deployment makes.
EXPECTED = {
    ("functionPrincipalId", "Storage Blob Data Owner", "storage"),
    ("functionPrincipalId", "Storage Blob Data Contributor", "archive"),
    ("deploymentPrincipalId", "Storage Blob Data Contributor", "deployment"),
    ("functionPrincipalId", "Storage Queue Data Contributor", "storage"),
    ("functionPrincipalId", "Storage Table Data Contributor", "storage"),
    ("functionPrincipalId", "Communication and Email Service Owner", "acs"),
    ("functionPrincipalId", "Monitoring Metrics Publisher", "applicationInsights"),
    ("acsPrincipalId", "Storage Blob Data Contributor", "archive"),
    ("systemTopicPrincipalId", "Storage Blob Data Contributor", "deadLetter"),
    ("principalId", "Storage Blob Data Reader", "archive"),
    ("functionPrincipalId", "Manifest signer", "signingKey"),
    ("principalId", "Key Vault Reader", "signingKey"),
}


def assignments() -> list[Resource]:
    return resources("Microsoft.Authorization/roleAssignments")


def role_of(assignment: Resource) -> str:
    custom = dotted(assignment.properties["roleDefinitionId"])
    if custom is not None:
        return CUSTOM_ROLES[custom.removesuffix(".id")]
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


def test_acs_may_write_to_the_archive_container_only_with_bring_your_own_storage() -> None:
    (acs,) = [a for a in assignments() if a.properties["principalId"] == "acsPrincipalId"]
    assert condition(acs.declaration) == "recordingByos"
    assert acs.body["scope"] == "archive"
    assert "bring-your-own-storage" in acs.file.read_text()


def test_service_identities_are_declared_as_service_principals() -> None:
    services = [a for a in assignments() if a.properties["principalId"] != "principalId"]
    assert all(a.properties["principalType"] == "ServicePrincipal" for a in services)


def test_assignment_names_are_stable_per_scope_principal_and_role() -> None:
    for assignment in assignments():
        name = assignment.body["name"]["function"]
        assert name["type"] == "guid"
        assert assignment.properties["principalId"] in name["parameters"].values()


# Blob data actions (https://learn.microsoft.com/azure/role-based-access-control/permissions/storage) that would let the
# app rewrite its package, or delete or shorten what the archive keeps.
BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"
MUST_NOT_HAVE_IN_PROTECTED = {
    BLOB + "write",
    BLOB + "add/action",
    BLOB + "delete",
    BLOB + "deleteBlobVersion/action",
    BLOB + "permanentDelete/action",
    BLOB + "immutableStorage/runAsSuperUser/action",
}


def access_variables() -> dict[str, Any]:
    found: dict[str, Any] = parse(the_owner().file)["variables"]
    return found


def the_owner() -> Resource:
    (owner,) = [a for a in assignments() if role_of(a) == "Storage Blob Data Owner"]
    return owner


CONDITION = ROOT / "infra" / "app" / "conditions" / "owner-read-only-in-protected.txt"


def test_the_function_identitys_owner_role_is_conditioned() -> None:
    owner = the_owner()
    assert owner.properties["conditionVersion"] == "2.0"
    assert owner.properties["condition"] == "ownerCondition"
    variables = access_variables()
    assert variables["ownerConditionTemplate"]["value"]["function"]["parameters"]["file_path"] == (
        "conditions/owner-read-only-in-protected.txt"
    )
    filled = str(variables["ownerCondition"]["value"])
    assert "'{package}'" in filled
    assert "'deploymentContainer'" in filled
    assert "'{archive}'" in filled
    assert "'archiveContainer'" in filled


def withheld_and_where(text: str) -> tuple[set[str], set[str]]:
    """The actions a condition of the form ((!(A) AND !(B) ...) OR (container != X AND container != Y)) withholds,
    and the containers it withholds them in."""
    actions_part, _, containers_part = text.partition(" OR ")
    withheld = set(re.findall(r"!\(ActionMatches\{'([^']+)'\}\)", actions_part))
    assert len(withheld) == actions_part.count("ActionMatches"), "every action is negated"
    assert actions_part.count(" AND ") == len(withheld) - 1
    where = set(re.findall(r"containers:name\] StringNotEquals '([^']+)'", containers_part))
    assert containers_part.count(" AND ") == len(where) - 1
    return withheld, where


def test_the_condition_withholds_every_change_in_the_archive_and_package_containers() -> None:
    text = " ".join(CONDITION.read_text().split())
    withheld, where = withheld_and_where(text)
    assert withheld >= MUST_NOT_HAVE_IN_PROTECTED
    assert where == {"{package}", "{archive}"}


def test_the_condition_leaves_what_the_app_does_in_the_archive_that_contributor_cannot() -> None:
    """Reading is the Owner role's to keep; index tags too: the app tags archived blobs (Set Blob Tags needs
    blobs/tags/write, which Storage Blob Data Contributor lacks)."""
    withheld, _ = withheld_and_where(" ".join(CONDITION.read_text().split()))
    assert "set_blob_tags" in (ROOT / "shared" / "archive" / "tags.py").read_text()
    assert not withheld & {BLOB + "read", BLOB + "tags/write", BLOB + "tags/read", BLOB + "filter/action"}


def test_the_condition_reading_catches_a_missing_negation() -> None:
    text = " ".join(CONDITION.read_text().split()).replace("!(ActionMatches", "(ActionMatches", 1)
    with pytest.raises(AssertionError):
        withheld_and_where(text)


def test_the_roles_that_write_the_archive_and_the_package_cannot_touch_retention_or_versions() -> None:
    # Storage Blob Data Contributor's data actions (built-in role definition): read, write, delete, add, move.
    contributor_data_actions = {BLOB + a for a in ("read", "write", "delete", "add/action", "move/action")}
    forbidden = {
        BLOB + "deleteBlobVersion/action",
        BLOB + "permanentDelete/action",
        BLOB + "immutableStorage/runAsSuperUser/action",
    }
    assert not contributor_data_actions & forbidden
    writers = [a for a in assignments() if a.body["scope"] in {"archive", "deployment"}]
    assert {role_of(a) for a in writers} <= {"Storage Blob Data Contributor", "Storage Blob Data Reader"}


def test_the_package_is_written_by_its_own_identity() -> None:
    (package,) = [a for a in assignments() if a.body["scope"] == "deployment"]
    assert package.properties["principalId"] == "deploymentPrincipalId"


def test_the_archive_shares_the_account_because_the_app_writes_it_through_the_host_connection() -> None:
    """The documented reason for one storage account. When the app gets a connection of its own for the archive,
    this fails: then move the archive into an account of its own, where the app needs no Owner role at all."""
    app = (ROOT / "function_app.py").read_text()
    assert 'STORAGE = "AzureWebJobsStorage"' in app
    archive_output = re.search(r"@app\.blob_output\([^)]*path=\"%ARCHIVE_CONTAINER%[^)]*\)", app)
    assert archive_output, "the archive's blob output binding"
    assert "connection=STORAGE" in archive_output.group(0)
    bootstrap = (ROOT / "shared" / "bootstrap.py").read_text()
    assert '"AzureWebJobsStorage__blobServiceUri"' in bootstrap, "the SDK path reaches the archive the same way"
    assert len(resources("Microsoft.Storage/storageAccounts")) == 1
