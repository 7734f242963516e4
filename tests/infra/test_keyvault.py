"""The manifest signing key: in a Key Vault with RBAC and purge protection, generated in an HSM and not exportable,
and the function identity may only sign with it (one custom role of one data action, assigned on the key)."""

from tests.infra.bicep import MAIN, body, dotted, main_module, module_file, parse, the_resource

SIGN = "Microsoft.KeyVault/vaults/keys/sign/action"


def test_the_vault_uses_rbac_and_keeps_deleted_keys_under_purge_protection() -> None:
    vault = the_resource("Microsoft.KeyVault/vaults").properties
    assert vault["enableRbacAuthorization"] is True
    assert "accessPolicies" not in vault, "access policies would bypass RBAC"
    assert (vault["enableSoftDelete"], vault["enablePurgeProtection"]) == (True, True)
    assert vault["sku"]["name"] == "premium", "EC-HSM keys need the premium tier"


def test_the_signing_key_is_a_p256_hsm_key_that_cannot_be_exported_and_only_signs_and_verifies() -> None:
    key = the_resource("Microsoft.KeyVault/vaults/keys").properties
    assert (key["kty"], key["curveName"]) == ("EC-HSM", "P-256"), "ES256 (shared/signing.py)"
    assert key["keyOps"] == ["sign", "verify"]
    assert key["attributes"]["exportable"] is False


def test_the_signer_role_holds_the_sign_data_action_and_nothing_else() -> None:
    role = the_resource("Microsoft.Authorization/roleDefinitions")
    (permissions,) = role.properties["permissions"]
    assert permissions["dataActions"] == [SIGN]
    assert (permissions["actions"], permissions["notDataActions"]) == ([], [])
    assert role.properties["type"] == "CustomRole"


def test_the_function_identity_signs_on_the_key_itself_not_the_vault() -> None:
    found = parse(module_file("keyvault"))["resources"]
    (signs,) = [
        body(d) for d in found.values()
        if d["type"] == "Microsoft.Authorization/roleAssignments"
        and body(d)["properties"]["principalId"] == "functionPrincipalId"
    ]  # fmt: skip
    assert signs["scope"] == "signingKey"
    assert dotted(signs["properties"]["roleDefinitionId"]) == "manifestSigner.id"
    assert found["signingKey"]["type"] == "Microsoft.KeyVault/vaults/keys"


def test_the_app_is_given_the_keys_versioned_id() -> None:
    outputs = parse(module_file("keyvault"))["outputs"]
    assert dotted(outputs["keyIdWithVersion"]["value"]) == "signingKey.properties.keyUriWithVersion"
    params = body(main_module("function"))["params"]
    assert dotted(params["manifestSigningKeyId"]) == "keyVault.outputs.keyIdWithVersion"
    assert dotted(body(main_module("keyvault"))["params"]["functionPrincipalId"]) == "identity.outputs.principalId"
    assert "MANIFEST_SIGNING_KEY" in parse(MAIN)["outputs"], "azd keeps it, for the auditor's key download"
