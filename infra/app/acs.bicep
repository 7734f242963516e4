// The Azure Communication Services resource and the Event Grid system topic on it. ACS has a system-assigned
// identity so that, with bring-your-own-storage on, it can write recordings into the archive container; the
// topic has one so that it can dead-letter undeliverable events into blob storage without a key.

@description('Name of the Communication Services resource.')
param name string

@description('Name of the Event Grid system topic on it.')
param systemTopicName string

@description('Where ACS stores data at rest; cannot be changed once the resource exists.')
param dataLocation string

@description('Tags for the resources.')
param tags object = {}

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dataLocation: dataLocation
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

output id string = acs.id
output name string = acs.name
output endpoint string = 'https://${acs.properties.hostName}'
output immutableResourceId string = acs.properties.immutableResourceId
output principalId string = acs.identity.principalId
output systemTopicName string = systemTopic.name
output systemTopicPrincipalId string = systemTopic.identity.principalId
