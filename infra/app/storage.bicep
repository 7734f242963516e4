// The one storage account: Functions host state, the deployment package, the archive, quarantine, the
// Event Grid dead-letter container, the chunk and verification queues (and their poison queues) and the
// orchestrator's table.
// Shared-key access is off: every client authenticates with Microsoft Entra ID (managed identities).
//
// The archive is write-once: blob versioning on the account, version-level immutability (WORM) support on the
// archive container (legal holds per blob version, set by the app's legal-hold API), an optional default
// time-based retention policy (deployed unlocked; locking is a manual, irreversible step, see the README's
// Compliance section), and a lifecycle policy that moves archived blobs to cooler tiers and never deletes them.
// Shapes and API versions follow Microsoft's references:
//   https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts/blobservices (isVersioningEnabled)
//   https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts/blobservices/containers
//     (immutableStorageWithVersioning.enabled: only when the container is created; an existing one is migrated)
//   https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts/blobservices/containers/immutabilitypolicies
//     (and Azure Verified Modules' avm/res/storage/storage-account/blob-service/container/immutability-policy)
//   https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts/managementpolicies
//     (tierToCold since 2022-09-01, for base blobs and versions; Azure Verified Modules'
//     avm/res/storage/storage-account/management-policy declares the same 'default' child)
//   https://learn.microsoft.com/azure/storage/blobs/immutable-version-level-worm-policies (versioning required;
//     a container with a default policy hands it to each new version)

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Region of the storage account.')
param location string

@description('Tags for the storage account.')
param tags object = {}

@description('Container holding the function app package (Flex Consumption deployment).')
param deploymentContainer string

@description('Container of the archive.')
param archiveContainer string

@description('Container for rejected events, with their reason.')
param quarantineContainer string

@description('Container Event Grid dead-letters undeliverable events into.')
param deadLetterContainer string

@description('Queue of chunk copy jobs; its poison queue is "<name>-poison".')
param chunkQueue string

@description('Queue of chunk verifications (read back before archived); its poison queue is "<name>-poison".')
param verifyQueue string

@description('Table of per-call state, history and event-id ledger.')
param callsTable string

@description('Days a deleted blob or container can be restored.')
param softDeleteDays int = 7

@description('Days each archived blob version cannot be changed or deleted (default time-based retention, deployed unlocked); 0 sets no policy.')
@minValue(0)
@maxValue(146000)
param archiveRetentionDays int = 0

@description('The retention policy was locked by hand: leave it alone (ARM updates unlocked policies only; a locked one can only be extended).')
param archiveRetentionLocked bool = false

@description('Days after its last change an archived blob (and days after its creation a previous version) moves to the cool tier.')
@minValue(0)
param coolTierAfterDays int = 30

@description('Days after its last change an archived blob (and days after its creation a previous version) moves to the cold tier.')
@minValue(0)
param coldTierAfterDays int = 90

@description('Days after which archived blobs move to the archive tier (offline: reading needs hours of rehydration); 0 never.')
@minValue(0)
param archiveTierAfterDays int = 0

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: The Flex Consumption app (no VNet integration), Event Grid dead-lettering and ACS bring-your-own-storage reach the account over its public endpoint; every request needs Microsoft Entra ID (shared key is off). Add VNet integration and private endpoints to close it.
  // checkov:skip=CKV_AZURE_59: Same reason as CKV_AZURE_35: public endpoint on, anonymous and shared-key access off.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // Every overwrite or delete keeps the previous version; version-level immutability requires it.
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: {
    publicAccess: 'None'
  }
}

resource archive 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archiveContainer
  properties: {
    publicAccess: 'None'
    // Version-level WORM support: legal holds and retention policies per blob version. It cannot be removed, and
    // the container (and the account) cannot be deleted while a blob version in it is protected.
    immutableStorageWithVersioning: {
      enabled: true
    }
  }
}

// The container's default time-based retention policy, inherited by every new blob version. Deployed unlocked:
// it can still be shortened or removed. Locking it (az storage container immutability-policy lock) is manual and
// irreversible; a locked policy can only be extended, and ARM's create-or-update accepts unlocked policies only
// (https://learn.microsoft.com/rest/api/storagerp/blob-containers/lock-immutability-policy), so once it is locked
// the deployment stops declaring it (archiveRetentionLocked).
resource archiveRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if ((archiveRetentionDays > 0) && !archiveRetentionLocked) {
  parent: archive
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: archiveRetentionDays
    // The access log (access-log/{callFolder}/{day}.jsonl) is one append blob per call and day: a protected append
    // blob may still get new blocks, and no existing block can be changed or deleted. The archive's own blobs are
    // block blobs, which this does not touch.
    allowProtectedAppendWrites: true
    allowProtectedAppendWritesAll: false
  }
}

var archiveTier = archiveTierAfterDays > 0
var currentTiering = {
  tierToCool: {
    daysAfterModificationGreaterThan: coolTierAfterDays
  }
  tierToCold: {
    daysAfterModificationGreaterThan: coldTierAfterDays
  }
}
var versionTiering = {
  tierToCool: {
    daysAfterCreationGreaterThan: coolTierAfterDays
  }
  tierToCold: {
    daysAfterCreationGreaterThan: coldTierAfterDays
  }
}
var currentToArchive = {
  tierToArchive: {
    daysAfterModificationGreaterThan: archiveTierAfterDays
  }
}
var versionToArchive = {
  tierToArchive: {
    daysAfterCreationGreaterThan: archiveTierAfterDays
  }
}

// Lifecycle: archived recordings (current blobs and previous versions) move to cool, then cold, then optionally
// archive. No rule deletes anything: what leaves the archive is the operator's decision, after the retention period.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'archive-tiering'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${archiveContainer}/'
              ]
            }
            actions: {
              baseBlob: archiveTier ? union(currentTiering, currentToArchive) : currentTiering
              version: archiveTier ? union(versionTiering, versionToArchive) : versionTiering
            }
          }
        }
      ]
    }
  }
}

resource quarantine 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: quarantineContainer
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainer
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource chunks 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: chunkQueue
}

resource chunksPoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${chunkQueue}-poison'
}

resource verifications 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: verifyQueue
}

resource verificationsPoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${verifyQueue}-poison'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource calls 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: callsTable
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
