// ACS call recording on Azure Functions: everything one `azd up` creates in a new resource group.
// Modules under app/ hold the resources; this file names them, wires them and publishes outputs for azd.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name and the azd-env-name tag.')
param environmentName string

// The regions that offer Flex Consumption, as Microsoft's Flex Consumption quickstart lists them
// (Azure-Samples/functions-quickstart-python-http-azd, infra/main.bicep; `az functionapp list-flexconsumption-locations`
// gives the current list): any other region fails at plan creation, after half the resources exist.
@minLength(1)
@description('Region of the resources (one that offers Flex Consumption).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user; when set, that user may read the archive container.')
param principalId string = ''

@description('Create the Event Grid subscriptions ACS -> acs_events. Event Grid refuses them before the function exists, so only the provisioning pass of the azd postdeploy hook (scripts/postdeploy.sh) sets this; any other provisioning leaves existing subscriptions as they are.')
param createEventSubscriptions bool = false

// Where ACS keeps data at rest: https://learn.microsoft.com/azure/communication-services/concepts/privacy#data-residency
@description('Where ACS stores data at rest, fixed once the resource exists; empty: the geography of `location`.')
@allowed([
  ''
  'Africa'
  'Asia Pacific'
  'Australia'
  'Brazil'
  'Canada'
  'Europe'
  'France'
  'Germany'
  'India'
  'Japan'
  'Korea'
  'Norway'
  'Switzerland'
  'UAE'
  'UK'
  'United States'
])
param acsDataLocation string = ''

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

@description('Always-ready instances for acs_events: an IncomingCall is answered without a Python cold start. 0 for none.')
@minValue(0)
@maxValue(10)
param alwaysReadyAcsEvents int = 1

@description('Always-ready instances for the HTTP functions (ACS callbacks mid-call, the control API). 0 for none.')
@minValue(0)
@maxValue(10)
param alwaysReadyHttp int = 1

@description('Email address the alerts and the budget notify; empty: the alerts fire in the portal only.')
param alertEmail string = ''

@description('Minutes after its files-ready event within which a recording must be archived, else an alert fires.')
@minValue(15)
@maxValue(1440)
param archiveDeadlineMinutes int = 60

@description('Monthly cost budget of the resource group, in the billing currency; 0 for no budget.')
@minValue(0)
param monthlyBudget int = 200

@description('First day of the budget (yyyy-MM-01T00:00:00Z), carried from the first provisioning (BUDGET_START_DATE); empty: this month.')
param budgetStartDate string = ''

@description('The first of this month, the start of a new budget (a parameter: utcNow is allowed only in a default).')
param today string = '${utcNow('yyyy')}-${utcNow('MM')}-01T00:00:00Z'

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'recorder'
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainer = 'app-package-${resourceToken}'
var budgetStart = empty(budgetStartDate) ? today : budgetStartDate

// The ACS data location of each region's geography.
var acsGeography = {
  australiaeast: 'Australia'
  australiasoutheast: 'Australia'
  brazilsouth: 'Brazil'
  canadacentral: 'Canada'
  centralindia: 'India'
  centralus: 'United States'
  eastasia: 'Asia Pacific'
  eastus: 'United States'
  eastus2: 'United States'
  francecentral: 'France'
  germanywestcentral: 'Germany'
  italynorth: 'Europe'
  japaneast: 'Japan'
  koreacentral: 'Korea'
  northcentralus: 'United States'
  northeurope: 'Europe'
  norwayeast: 'Norway'
  southafricanorth: 'Africa'
  southcentralus: 'United States'
  southeastasia: 'Asia Pacific'
  southindia: 'India'
  spaincentral: 'Europe'
  swedencentral: 'Europe'
  uaenorth: 'UAE'
  uksouth: 'UK'
  ukwest: 'UK'
  westcentralus: 'United States'
  westeurope: 'Europe'
  westus: 'United States'
  westus2: 'United States'
  westus3: 'United States'
}
var acsLocation = empty(acsDataLocation) ? acsGeography[location] : acsDataLocation

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

// The platform's own identity for the code package (Flex Consumption deployment storage): the app's identity
// cannot write or delete the package.
module deploymentIdentity './app/identity.bicep' = {
  name: 'deployment-identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}deploy-${resourceToken}'
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
    dataLocation: acsLocation
    tags: tags
  }
}

module keyVault './app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    functionPrincipalId: identity.outputs.principalId
    principalId: principalId
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
    deploymentIdentityId: deploymentIdentity.outputs.id
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainer: deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    acsEndpoint: acs.outputs.endpoint
    acsImmutableResourceId: acs.outputs.immutableResourceId
    acsResourceId: acs.outputs.id
    manifestSigningKeyId: keyVault.outputs.keyIdWithVersion
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
    alwaysReadyAcsEvents: alwaysReadyAcsEvents
    alwaysReadyHttp: alwaysReadyHttp
  }
}

module access './app/access.bicep' = {
  name: 'access'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    archiveContainer: archiveContainer
    deadLetterContainer: deadLetterContainer
    deploymentContainer: deploymentContainer
    deploymentPrincipalId: deploymentIdentity.outputs.principalId
    functionPrincipalId: identity.outputs.principalId
    acsName: acs.outputs.name
    acsPrincipalId: acs.outputs.principalId
    recordingByos: recordingByos
    systemTopicPrincipalId: acs.outputs.systemTopicPrincipalId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: principalId
  }
}

module eventSubscriptions './app/event-subscription.bicep' = if (createEventSubscriptions) {
  name: 'event-subscriptions'
  scope: rg
  params: {
    systemTopicName: acs.outputs.systemTopicName
    incomingCallsName: '${abbrs.eventGridEventSubscriptions}incoming-calls'
    // The name of the one subscription a deployment made before IncomingCall had its own: updating it narrows its
    // filter instead of leaving a second subscription to RecordingFileStatusUpdated behind.
    recordingFilesName: '${abbrs.eventGridEventSubscriptions}acs-events'
    functionAppId: functionApp.outputs.id
    storageAccountId: storage.outputs.id
    deadLetterContainer: deadLetterContainer
  }
  // The topic must be allowed to write dead letters before the subscription points at the container.
  dependsOn: [
    access
  ]
}

module diagnostics './app/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    acsName: acs.outputs.name
    systemTopicName: acs.outputs.systemTopicName
    workspaceId: monitoring.outputs.logAnalyticsId
  }
}

module alerts './app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    alertPrefix: 'alert-${resourceToken}-'
    location: location
    tags: tags
    alertEmail: alertEmail
    systemTopicName: acs.outputs.systemTopicName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    archiveDeadlineMinutes: archiveDeadlineMinutes
  }
}

module budget './app/budget.bicep' = if (monthlyBudget > 0) {
  name: 'budget'
  scope: rg
  params: {
    name: 'budget-${resourceToken}'
    amount: monthlyBudget
    startDate: budgetStart
    actionGroupId: alerts.outputs.actionGroupId
    alertEmail: alertEmail
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output ARCHIVE_CONTAINER string = archiveContainer
output KEY_VAULT_NAME string = keyVault.outputs.name
output MANIFEST_SIGNING_KEY string = keyVault.outputs.keyIdWithVersion
output CALLBACK_BASE_URL string = functionApp.outputs.callbackBaseUrl
output ACS_NAME string = acs.outputs.name
output ACS_ENDPOINT string = acs.outputs.endpoint
output ACS_IMMUTABLE_RESOURCE_ID string = acs.outputs.immutableResourceId
output EVENT_GRID_SYSTEM_TOPIC_NAME string = acs.outputs.systemTopicName
// Carried into the azd environment and back into the next provisioning (main.parameters.json): the ACS data
// location cannot change and the budget's start date cannot move; the retention deployed is the floor the
// preprovision hook (scripts/preprovision.sh) holds the next ARCHIVE_RETENTION_DAYS to.
output ACS_DATA_LOCATION string = acsLocation
output BUDGET_START_DATE string = budgetStart
output ARCHIVE_RETENTION_DAYS_DEPLOYED int = archiveRetentionDays
