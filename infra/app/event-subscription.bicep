// The Event Grid subscription from the ACS system topic to the acs_events function. Event Grid checks that the
// function exists when the subscription is created, so this module is deployed only once the code is
// (main.bicep's createEventSubscription = true, set by the azd postdeploy hook for a second pass).

@description('Name of the Event Grid system topic on the ACS resource.')
param systemTopicName string

@description('Name of the subscription.')
param name string

@description('Resource id of the function app.')
param functionAppId string

@description('Name of the Event Grid triggered function.')
param functionName string = 'acs_events'

@description('Resource id of the storage account holding the dead-letter container.')
param storageAccountId string

@description('Container undeliverable events are dead-lettered into.')
param deadLetterContainer string

@description('Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes an event is retried before it is dead-lettered (ACS deletes recordings after 24 h).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: name
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        // One event per delivery: the host answers a batch with 500 if any event fails, redelivering all.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.IncomingCall'
        'Microsoft.Communication.RecordingFileStatusUpdated'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
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

output id string = eventSubscription.id
output name string = eventSubscription.name
