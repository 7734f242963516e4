// Diagnostic settings: the platform logs an operator and an auditor need, into the Log Analytics workspace.
//   Storage (blob service): every read, write and delete of the archive, quarantine and package (who, when, what),
//     the audit trail of the write-once archive. Categories:
//     https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage-reference#resource-logs
//   Communication Services: Call Automation operations (answer, start, pause, stop recording, with their result
//     codes) and one summary per recording. Categories:
//     https://learn.microsoft.com/azure/communication-services/concepts/analytics/logs/call-automation-logs
//     https://learn.microsoft.com/azure/communication-services/concepts/analytics/logs/recording-logs
//   Event Grid system topic: each failed delivery to acs_events with its reason, and the topic's metrics
//     (delivered, failed, dropped, dead-lettered). Categories:
//     https://learn.microsoft.com/azure/event-grid/monitor-push-reference

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Communication Services resource.')
param acsName string

@description('Name of the Event Grid system topic on ACS.')
param systemTopicName string

@description('Resource id of the Log Analytics workspace.')
param workspaceId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: acsName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blob-audit'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

resource acsLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'call-automation'
  scope: acs
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'CallAutomationOperational'
        enabled: true
      }
      {
        category: 'CallRecordingSummary'
        enabled: true
      }
    ]
  }
}

resource topicLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'delivery-failures'
  scope: systemTopic
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'DeliveryFailures'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output names array = [
  blobLogs.name
  acsLogs.name
  topicLogs.name
]
