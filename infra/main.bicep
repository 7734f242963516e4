// ACS call recording on Azure Functions: everything one `azd up` creates in a new resource group.
// Modules under app/ hold the resources; this file names them, wires them and publishes outputs for azd.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of the resources (one that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user; when set, that user may read the archive container.')
param principalId string = ''

@description('Create the Event Grid subscription ACS -> acs_events. The function must already exist, so the azd postdeploy hook sets this and provisions again.')
param createEventSubscription bool = false

@description('Where ACS stores data at rest (fixed once the resource exists).')
param acsDataLocation string = 'United States'

@description('Which incoming calls to answer: "*", or a comma list of target rawIds / phone numbers.')
param answerPolicy string = '*'

@description('Recording content.')
@allowed([
  'audio'
  'audioVideo'
])
param recordingContent string = 'audio'

@description('Recording channel.')
@allowed([
  'mixed'
  'unmixed'
])
param recordingChannel string = 'unmixed'

@description('Recording format.')
@allowed([
  'wav'
  'mp3'
  'mp4'
])
param recordingFormat string = 'wav'

@description('ACS writes recordings straight into the archive container (bring your own storage).')
param recordingByos bool = false

@description('Delete a recording at ACS once every chunk is archived and verified.')
param deleteSourceAfterArchive bool = false

@description('Container of the archive.')
param archiveContainer string = 'recordings'

@description('Days each archived blob version cannot be changed or deleted (WORM, deployed unlocked; lock it by hand, see the README); 0 sets no retention policy.')
@minValue(0)
@maxValue(146000)
param archiveRetentionDays int = 0

@description('Set once the archive retention policy was locked by hand: provisioning then leaves the locked policy alone.')
param archiveRetentionLocked bool = false

@description('Days after which archived recordings move to the cool tier.')
@minValue(0)
param coolTierAfterDays int = 30

@description('Days after which archived recordings move to the cold tier.')
@minValue(0)
param coldTierAfterDays int = 90

@description('Days after which archived recordings move to the archive tier (offline, hours to read back); 0 never.')
@minValue(0)
param archiveTierAfterDays int = 0

@description('Container for rejected events.')
param quarantineContainer string = 'quarantine'

@description('Container Event Grid dead-letters undeliverable events into.')
param deadLetterContainer string = 'eventgrid-deadletter'

@description('Queue of chunk copy jobs (its poison queue is "<name>-poison").')
param chunkQueue string = 'recording-chunks'

@description('Queue of chunk verifications: read back before archived (its poison queue is "<name>-poison").')
param verifyQueue string = 'chunk-verifications'

@description('Table of per-call state, history and event-id ledger.')
param callsTable string = 'calls'

@description('Most instances the function app scales out to (Flex Consumption accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'recorder'
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainer = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainer: deploymentContainer
    archiveContainer: archiveContainer
    quarantineContainer: quarantineContainer
    deadLetterContainer: deadLetterContainer
    chunkQueue: chunkQueue
    verifyQueue: verifyQueue
    callsTable: callsTable
    archiveRetentionDays: archiveRetentionDays
    archiveRetentionLocked: archiveRetentionLocked
    coolTierAfterDays: coolTierAfterDays
    coldTierAfterDays: coldTierAfterDays
    archiveTierAfterDays: archiveTierAfterDays
  }
}

module acs './app/acs.bicep' = {
  name: 'acs'
  scope: rg
  params: {
    name: '${abbrs.communicationCommunicationServices}${resourceToken}'
    systemTopicName: '${abbrs.eventGridDomainsTopics}acs-${resourceToken}'
    dataLocation: acsDataLocation
    tags: tags
  }
}

module functionApp './app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainer: deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    acsEndpoint: acs.outputs.endpoint
    acsImmutableResourceId: acs.outputs.immutableResourceId
    acsResourceId: acs.outputs.id
    answerPolicy: answerPolicy
    recordingContent: recordingContent
    recordingChannel: recordingChannel
    recordingFormat: recordingFormat
    recordingByos: recordingByos
    deleteSourceAfterArchive: deleteSourceAfterArchive
    archiveContainer: archiveContainer
    quarantineContainer: quarantineContainer
    chunkQueue: chunkQueue
    verifyQueue: verifyQueue
    callsTable: callsTable
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module access './app/access.bicep' = {
  name: 'access'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    archiveContainer: archiveContainer
    deadLetterContainer: deadLetterContainer
    functionPrincipalId: identity.outputs.principalId
    acsName: acs.outputs.name
    acsPrincipalId: acs.outputs.principalId
    recordingByos: recordingByos
    systemTopicPrincipalId: acs.outputs.systemTopicPrincipalId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: principalId
  }
}

module eventSubscription './app/event-subscription.bicep' = if (createEventSubscription) {
  name: 'event-subscription'
  scope: rg
  params: {
    systemTopicName: acs.outputs.systemTopicName
    name: '${abbrs.eventGridEventSubscriptions}acs-events'
    functionAppId: functionApp.outputs.id
    storageAccountId: storage.outputs.id
    deadLetterContainer: deadLetterContainer
  }
  // The topic must be allowed to write dead letters before the subscription points at the container.
  dependsOn: [
    access
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output ARCHIVE_CONTAINER string = archiveContainer
output CALLBACK_BASE_URL string = functionApp.outputs.callbackBaseUrl
output ACS_NAME string = acs.outputs.name
output ACS_ENDPOINT string = acs.outputs.endpoint
output ACS_IMMUTABLE_RESOURCE_ID string = acs.outputs.immutableResourceId
output EVENT_GRID_SYSTEM_TOPIC_NAME string = acs.outputs.systemTopicName
output EVENT_SUBSCRIPTION_CREATED bool = createEventSubscription
