// The Event Grid subscriptions from the ACS system topic to the acs_events function, one per event type because the
// two need opposite delivery policies. Event Grid checks that the function exists when a subscription is created, so
// this module is deployed only once the code is (main.bicep's createEventSubscriptions, true only in the provisioning
// pass the azd postdeploy hook runs).
// Retry and dead-letter semantics: https://learn.microsoft.com/azure/event-grid/delivery-and-retry
// Shapes: https://learn.microsoft.com/azure/templates/microsoft.eventgrid/systemtopics/eventsubscriptions

@description('Name of the Event Grid system topic on the ACS resource.')
param systemTopicName string

@description('Name of the IncomingCall subscription.')
param incomingCallsName string

@description('Name of the RecordingFileStatusUpdated subscription.')
param recordingFilesName string

@description('Resource id of the function app.')
param functionAppId string

@description('Name of the Event Grid triggered function.')
param functionName string = 'acs_events'

@description('Resource id of the storage account holding the dead-letter container.')
param storageAccountId string

@description('Container undeliverable RecordingFileStatusUpdated events are dead-lettered into.')
param deadLetterContainer string

@description('Delivery attempts of an IncomingCall: a caller waits seconds, not hours.')
@minValue(1)
@maxValue(30)
param incomingCallAttempts int = 3

@description('Minutes an IncomingCall is retried: after that the call has rung out, and the event is dropped.')
@minValue(1)
@maxValue(1440)
param incomingCallTimeToLiveInMinutes int = 1

@description('Delivery attempts of a RecordingFileStatusUpdated before it is dead-lettered.')
@minValue(1)
@maxValue(30)
param recordingFilesAttempts int = 30

@description('Minutes a RecordingFileStatusUpdated is retried before it is dead-lettered (ACS deletes recordings after 24 h).')
@minValue(1)
@maxValue(1440)
param recordingFilesTimeToLiveInMinutes int = 1440

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

// One event per delivery: the host answers a batch with 500 if any event fails, redelivering all.
var destination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: '${functionAppId}/functions/${functionName}'
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}

// A call that could not be answered in time is over: retrying it for hours only answers a caller who hung up, so
// it has a short life and no dead-letter destination (Event Grid drops it; DroppedEventCount on the topic).
resource incomingCalls 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: incomingCallsName
  properties: {
    destination: destination
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.IncomingCall'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: incomingCallAttempts
      eventTimeToLiveInMinutes: incomingCallTimeToLiveInMinutes
    }
  }
}

// A recording's files wait at ACS for 24 hours, so their event is retried for as long, then kept as a dead letter.
resource recordingFiles 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: recordingFilesName
  properties: {
    destination: destination
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.RecordingFileStatusUpdated'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: recordingFilesAttempts
      eventTimeToLiveInMinutes: recordingFilesTimeToLiveInMinutes
    }
    // Dead letters go to blob storage through the topic's managed identity (no storage key).
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccountId
          blobContainerName: deadLetterContainer
        }
      }
    }
  }
}

output incomingCallsName string = incomingCalls.name
output recordingFilesName string = recordingFiles.name
