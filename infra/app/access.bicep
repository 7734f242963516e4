// Role assignments, least privilege: each grants one identity one data-plane role on the narrowest scope
// that works. Role definition ids are Azure built-in roles.
//
// One storage account holds the host state, the code package and the archive, because the app writes the archive
// through its host storage connection (function_app.py's blob output binding uses AzureWebJobsStorage); a separate
// archive account needs a second connection in the app first. Inside the one account, the function identity's
// account-wide Storage Blob Data Owner (what the Functions host requires) carries a condition: in the archive and
// the package containers it grants reading (and index tags) only. There the identity writes the archive (and sets legal holds) with
// Storage Blob Data Contributor on the archive container, which holds no right to set, shorten or delete a blob
// version's retention policy (immutableStorage/runAsSuperUser) or to delete a version; the package is written by a
// deployment identity of its own, on the package container only.
// Permissions per operation: https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory
// Conditions: https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes

@description('Name of the storage account.')
param storageAccountName string

@description('Container of the archive (bring-your-own-storage target).')
param archiveContainer string

@description('Container Event Grid dead-letters into.')
param deadLetterContainer string

@description('Container of the deployment package.')
param deploymentContainer string

@description('Principal id of the identity the platform writes and reads the deployment package with.')
param deploymentPrincipalId string

@description('Principal id of the function app identity.')
param functionPrincipalId string

@description('Name of the ACS resource.')
param acsName string

@description('Principal id of the ACS resource\'s system-assigned identity.')
param acsPrincipalId string

@description('ACS writes recordings into the archive container (bring your own storage).')
param recordingByos bool

@description('Principal id of the Event Grid system topic\'s identity.')
param systemTopicPrincipalId string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Object id of the deploying user; empty to grant nothing.')
param principalId string = ''

// Storage Blob Data Owner: the Functions host's identity-based AzureWebJobsStorage needs it (host locks, keys);
// the app writes quarantine with it. Conditioned: read-only in the archive and package containers.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Blob Data Contributor: the app's archive writes and legal holds, ACS's recordings (bring your own
// storage), Event Grid's dead letters, the deployment package.
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
// Storage Blob Data Reader: lets the deploying user list and download the archive.
var storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
// Storage Queue Data Contributor: the chunk queue trigger and output, and its poison queue.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
// Storage Table Data Contributor: the per-call state, history and event-id ledger.
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Communication and Email Service Owner: the only built-in role ACS honours for Call Automation with
// Microsoft Entra ID (answer, record, download and delete recordings).
var communicationServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'
// Monitoring Metrics Publisher: telemetry to Application Insights with local authentication off.
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource archive 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: archiveContainer
}

resource deadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: deadLetterContainer
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: deploymentContainer
}

// The condition on the function identity's Owner assignment: every blob data action of Storage Blob Data Owner that
// changes or removes data, a version, its retention or its access is granted only outside the package ({package})
// and archive ({archive}) containers. Index tags stay writable: the app tags archived blobs (shared/archive/tags.py),
// Storage Blob Data Contributor cannot, and a tag changes neither a blob's content nor its protection. Syntax: https://learn.microsoft.com/azure/role-based-access-control/conditions-format
var ownerConditionTemplate = loadTextContent('conditions/owner-read-only-in-protected.txt')
var ownerCondition = replace(replace(ownerConditionTemplate, '{package}', deploymentContainer), '{archive}', archiveContainer)

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: acsName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Function identity: Storage Blob Data Owner on the account, read-only in the archive and package containers.
resource functionBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionPrincipalId, storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    conditionVersion: '2.0'
    condition: ownerCondition
  }
}

// Writes, reads and legal holds (Set Blob Legal Hold needs containers/write, which this role holds); no right to set,
// shorten or delete a blob version's retention policy, nor to delete a version.
// Function identity: Storage Blob Data Contributor on the archive container.
resource functionArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(archive.id, functionPrincipalId, storageBlobDataContributor)
  scope: archive
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Flex Consumption writes (azd deploy) and reads (each instance start) the app's package with this identity.
// Deployment identity: Storage Blob Data Contributor on the package container.
resource deploymentPackage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deployment.id, deploymentPrincipalId, storageBlobDataContributor)
  scope: deployment
  properties: {
    principalId: deploymentPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Function identity: Storage Queue Data Contributor on the account.
resource functionQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionPrincipalId, storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

// Function identity: Storage Table Data Contributor on the account.
resource functionTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionPrincipalId, storageTableDataContributor)
  scope: storage
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  }
}

// Function identity: Communication and Email Service Owner on the ACS resource.
resource functionAcs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acs.id, functionPrincipalId, communicationServiceOwner)
  scope: acs
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationServiceOwner)
  }
}

// Function identity: Monitoring Metrics Publisher on Application Insights.
resource functionTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, functionPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

// ACS's bring-your-own-storage quickstart assigns this role on the whole storage account
// (https://learn.microsoft.com/azure/communication-services/quickstarts/call-automation/call-recording/bring-your-own-storage);
// here the account also holds host state and the code package, so the role is scoped to the one container ACS
// writes (Azure RBAC scopes blob data roles to a container:
// https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access).
// ACS identity: Storage Blob Data Contributor on the archive container, only with bring-your-own-storage.
resource acsArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (recordingByos) {
  name: guid(archive.id, acsPrincipalId, storageBlobDataContributor)
  scope: archive
  properties: {
    principalId: acsPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Event Grid system topic identity: Storage Blob Data Contributor on the dead-letter container.
resource topicDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetter.id, systemTopicPrincipalId, storageBlobDataContributor)
  scope: deadLetter
  properties: {
    principalId: systemTopicPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Deploying user (optional): Storage Blob Data Reader on the archive container, to inspect recordings.
resource userArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(archive.id, principalId, storageBlobDataReader)
  scope: archive
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReader)
  }
}
