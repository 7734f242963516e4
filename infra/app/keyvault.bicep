// The key that signs every manifest (shared/keyvault.py), in a Key Vault with Azure RBAC. The private key is
// generated in the vault's HSM and cannot be exported: nobody holds it. The function identity may only sign with
// this one key (a custom role with the single data action keys/sign, assigned on the key), so whoever can write the
// archive can still not sign a manifest of their own. An auditor checks signatures with the public key
// (`az keyvault key download --encoding PEM`), which the deploying user may read.
// Data actions: https://learn.microsoft.com/azure/role-based-access-control/permissions/security#microsoftkeyvault
// Key properties: https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults/keys

@description('Name of the Key Vault.')
param name string

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Principal id of the function app identity (may sign with the key, nothing else).')
param functionPrincipalId string

@description('Object id of the deploying user; empty to grant nothing.')
param principalId string = ''

var keyName = 'manifest-signing'
// Key Vault Reader: read the vault's and the key's metadata and the public key, never use the private key.
var keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: The function app (Flex Consumption, no virtual network) reaches the vault over its public endpoint; every request needs an Entra token and an RBAC grant on the key.
  // checkov:skip=CKV_AZURE_189: Same: public network access stays on for the app; access is by Entra identity and RBAC only.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'premium' // HSM-protected keys (EC-HSM)
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource signingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  // checkov:skip=CKV_AZURE_40: An expiry would stop the app signing manifests on that date; rotation is a new key version and a new MANIFEST_SIGNING_KEY, and old versions stay to verify old manifests.
  parent: vault
  name: keyName
  properties: {
    kty: 'EC-HSM'
    curveName: 'P-256'
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// A role of one data action: sign with a key. Not Key Vault Crypto User, which also decrypts, unwraps and reads.
resource manifestSigner 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'manifest-signer')
  properties: {
    roleName: 'Manifest signer (${name})'
    description: 'Sign with a Key Vault key; nothing else.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.KeyVault/vaults/keys/sign/action'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

// Function identity: Manifest signer on the signing key only.
resource functionSigns 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signingKey.id, functionPrincipalId, manifestSigner.id)
  scope: signingKey
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: manifestSigner.id
  }
}

// Deploying user (optional): Key Vault Reader on the signing key, to download its public key for the audit.
resource userReadsKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(signingKey.id, principalId, keyVaultReader)
  scope: signingKey
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultReader)
  }
}

output name string = vault.name
output keyName string = signingKey.name
output keyIdWithVersion string = signingKey.properties.keyUriWithVersion
