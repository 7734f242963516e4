// The function app on Flex Consumption (FC1), Python 3.13, running as the user-assigned identity. Its app
// settings mirror local.settings.json.example one to one (tests check this against shared/config.py), except:
//   AzureWebJobsStorage   -> AzureWebJobsStorage__blobServiceUri/__queueServiceUri/__tableServiceUri,
//                            __credential=managedidentity and __clientId (identity-based connection)
//   ACS_CONNECTION_STRING -> ACS_ENDPOINT + AZURE_CLIENT_ID (Call Automation with the managed identity)

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app.')
param location string

@description('Tags for the plan and the app (the app also gets the azd service tag).')
param tags object = {}

@description('Name of the azd service this app hosts (azure.yaml).')
param serviceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Resource id of the identity the platform reads and writes the deployment package with (deployment.bicep).')
param deploymentIdentityId string

@description('Blob endpoint of the storage account, ending in "/".')
param blobEndpoint string

@description('Queue endpoint of the storage account.')
param queueEndpoint string

@description('Table endpoint of the storage account.')
param tableEndpoint string

@description('Container holding the deployment package.')
param deploymentContainer string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Endpoint of the ACS resource (https://<name>.communication.azure.com).')
param acsEndpoint string

@description('Immutable resource id of the ACS resource: the audience of its callback JWTs.')
param acsImmutableResourceId string

@description('ARM id of the ACS resource: the topic of its Event Grid events.')
param acsResourceId string

@description('Versioned id of the Key Vault key that signs manifests (keyvault.bicep).')
param manifestSigningKeyId string

@description('Which incoming calls to answer: "*", or a comma list of target rawIds / phone numbers.')
param answerPolicy string

@description('Recording content: audio or audioVideo.')
param recordingContent string

@description('Recording channel: mixed or unmixed.')
param recordingChannel string

@description('Recording format: wav, mp3 or mp4.')
param recordingFormat string

@description('Let ACS write recordings straight into the archive container (bring your own storage).')
param recordingByos bool

@description('Delete a recording at ACS once every chunk is archived and verified.')
param deleteSourceAfterArchive bool

@description('Container of the archive.')
param archiveContainer string

@description('Container for rejected events.')
param quarantineContainer string

@description('Queue of chunk copy jobs.')
param chunkQueue string

@description('Queue of chunk verifications.')
param verifyQueue string

@description('Table of per-call state.')
param callsTable string

@description('Most instances the app scales out to (Flex Consumption accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Instances kept warm for acs_events (IncomingCall is answered without a cold start); 0 for none.')
@minValue(0)
param alwaysReadyAcsEvents int = 1

@description('Instances kept warm for the HTTP functions (ACS callbacks, the control API); 0 for none.')
@minValue(0)
param alwaysReadyHttp int = 1

// Always-ready instances per function or group: "function:<name>", or "http" for every HTTP trigger
// (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#set-always-ready-instance-counts).
var acsEventsReady = alwaysReadyAcsEvents > 0 ? [{ name: 'function:acs_events', instanceCount: alwaysReadyAcsEvents }] : []
var httpReady = alwaysReadyHttp > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttp }] : []
var alwaysReady = concat(acsEventsReady, httpReady)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: Flex Consumption zone redundancy exists only in some regions and needs zone-redundant storage; turn it on (zoneRedundant) where the region offers it.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: Event Grid and ACS callbacks reach the app over the internet; /api/callbacks checks the ACS JWT, the control API needs a function key, the Event Grid webhook the system key.
  // checkov:skip=CKV_AZURE_212: Flex Consumption has no siteConfig worker count; acs_events and the HTTP functions keep always-ready instances (functionAppConfig.scaleAndConcurrency.alwaysReady, 1 each by default) and the platform scales out from there.
  // checkov:skip=CKV_AZURE_17: ACS callbacks and Event Grid present no client certificate; callbacks are authenticated by their JWT instead.
  // checkov:skip=CKV_AZURE_213: Flex Consumption has no App Service health check; the platform replaces unhealthy instances itself.
  // checkov:skip=CKV_AZURE_15: Microsoft's Flex Consumption templates set no siteConfig; the platform's minimum inbound TLS version (1.2) applies.
  // checkov:skip=CKV_AZURE_78: Flex Consumption offers no FTP deployment, and siteConfig.ftpsState is rejected on FC1 in some regions (error 51021).
  // checkov:skip=CKV_AZURE_18: Microsoft's Flex Consumption templates leave siteConfig.http20Enabled unset; the platform's default applies.
  // checkov:skip=CKV_AZURE_67: Microsoft's Flex Consumption templates leave siteConfig.http20Enabled unset on function apps; the platform default applies.
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
      '${deploymentIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: deploymentIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'python'
        version: '3.13'
      }
    }
  }
}

// Basic (user name and password) publishing to the scm site is off: azd deploys with Microsoft Entra ID. Flex
// Consumption has no FTP, so there is no ftp policy to set.
resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var callbackBaseUrl = 'https://${site.properties.defaultHostName}'

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13: This is the appsettings config, not the web config these checks read; App Service Authentication would block Event Grid and ACS callbacks, which the app authenticates itself (system key, JWT, function keys).
  // checkov:skip=CKV_AZURE_63: This is the appsettings config, not the web config; HTTP logs go to Application Insights.
  // checkov:skip=CKV_AZURE_65: This is the appsettings config, not the web config; errors go to Application Insights.
  // checkov:skip=CKV_AZURE_66: This is the appsettings config, not the web config; request traces go to Application Insights.
  // checkov:skip=CKV_AZURE_80: This is the appsettings config, not the web config, and the app runs Python, not .NET.
  // checkov:skip=CKV_AZURE_88: This is the appsettings config, not the web config; the app keeps no files (Flex Consumption has no Azure Files content share).
  // checkov:skip=CKV_AZURE_222: This is the appsettings config, not the web config; see the site's suppression for public access.
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // host.json sets telemetryMode OpenTelemetry; with this setting the Python worker sends the app's own spans and
    // logs to Application Insights itself, as Microsoft's Python OpenTelemetry sample sets it
    // (Azure-Samples/functions-quickstart-python-azd-otel; PYTHON_ENABLE_OPENTELEMETRY is the OTLP-endpoint variant).
    PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
    ACS_ENDPOINT: acsEndpoint
    AZURE_CLIENT_ID: identityClientId
    CALLBACK_BASE_URL: callbackBaseUrl
    ANSWER_POLICY: answerPolicy
    RECORDING_CONTENT: recordingContent
    RECORDING_CHANNEL: recordingChannel
    RECORDING_FORMAT: recordingFormat
    RECORDING_PAUSE_ON_START: 'false'
    RECORDING_CHANNEL_AFFINITY: ''
    RECORDING_PARTICIPANT_ORDERING: ''
    RECORDING_BYOS_CONTAINER_URL: recordingByos ? '${blobEndpoint}${archiveContainer}' : ''
    RECORDING_STATE_CALLBACK_URL: ''
    RECORDING_STATE_CALLBACK_HOSTS: ''
    RECORDING_BYOS_HOSTS: ''
    CALLBACK_JWT_ISSUER: 'https://acscallautomation.communication.azure.com'
    CALLBACK_JWT_AUDIENCE: acsImmutableResourceId
    ACS_RESOURCE_ID: acsResourceId
    CALLBACK_JWKS_URL: 'https://acscallautomation.communication.azure.com/calling/keys'
    CALLBACK_AUTH_DISABLED: 'false'
    ARCHIVE_CONTAINER: archiveContainer
    QUARANTINE_CONTAINER: quarantineContainer
    CHUNK_QUEUE: chunkQueue
    VERIFY_QUEUE: verifyQueue
    MANIFEST_SIGNING_KEY: manifestSigningKeyId
    CALLS_TABLE: callsTable
    RETENTION_CLASS_RULES: ''
    ACS_ALLOWED_HOST_SUFFIXES: '.asm.skype.com,.asyncgw.teams.microsoft.com,.ams.gov.teams.microsoft.us'
    STREAMING_THRESHOLD_BYTES: '8388608'
    ARCHIVE_BLOCK_SIZE_BYTES: '16777216'
    ARCHIVE_CONCURRENCY: '1'
    PARTICIPANT_FILES: 'true'
    DELETE_SOURCE_AFTER_ARCHIVE: deleteSourceAfterArchive ? 'true' : 'false'
    STUCK_CHUNK_AFTER_SECONDS: '900'
    RETENTION_HOURS: '24'
    RETENTION_WARNING_HOURS: '20'
    SWEEPER_SCHEDULE: '0 */5 * * * *'
    RECONCILE_AFTER_SECONDS: '120'
    // glibc's malloc keeps up to 8 arenas per CPU, one per thread that allocates (mallopt(3), M_ARENA_MAX); the copy's
    // threads each leave freed blocks in their own. Read once, as the worker process starts with its app settings.
    MALLOC_ARENA_MAX: '2'
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output callbackBaseUrl string = callbackBaseUrl
