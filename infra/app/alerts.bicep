// What tells an operator, within minutes, that a recording is at risk: an action group (email) and one alert per
// failure that loses or delays a recording. Each alert's meaning and first response: README, "Alerts and what to do".
// Metric alerts follow Azure Monitor Baseline Alerts for Event Grid system topics (DeadLetteredCount,
// DroppedEventCount: https://azure.github.io/azure-monitor-baseline-alerts/services/EventGrid/systemTopics/);
// log search alerts read the Application Insights tables the app writes (requests per invocation, traces with the
// milestones filesReady and archived). Shapes:
//   https://learn.microsoft.com/azure/templates/microsoft.insights/actiongroups
//   https://learn.microsoft.com/azure/templates/microsoft.insights/metricalerts
//   https://learn.microsoft.com/azure/templates/microsoft.insights/scheduledqueryrules

@description('Name of the action group.')
param actionGroupName string

@description('Prefix of the alert rule names.')
param alertPrefix string

@description('Region of the log search alert rules (that of Application Insights).')
param location string

@description('Tags for the alerts.')
param tags object = {}

@description('Email address the alerts go to; empty: the alerts fire and show in the portal, nobody is emailed.')
param alertEmail string = ''

@description('Name of the Event Grid system topic on ACS.')
param systemTopicName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Minutes after its files-ready event within which a recording must be archived.')
@minValue(15)
@maxValue(1440)
param archiveDeadlineMinutes int = 60

@description('Failed function invocations in 15 minutes that raise the failures alert.')
@minValue(1)
param failureThreshold int = 5

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'recordings'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = [
  {
    actionGroupId: actionGroup.id
  }
]

// A RecordingFileStatusUpdated that Event Grid could not deliver for 24 hours: its recording is not archived, and
// ACS deletes it soon after. Severity 1 (error).
resource deadLettered 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${alertPrefix}dead-lettered-events'
  location: 'global'
  tags: tags
  properties: {
    description: 'An event was dead-lettered into the dead-letter container: its recording was not archived.'
    severity: 1
    enabled: true
    scopes: [
      systemTopic.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'dead-lettered'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          metricName: 'DeadLetteredCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

// An IncomingCall that expired undelivered: the call rang and nobody answered it, so nothing was recorded.
resource droppedCalls 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${alertPrefix}dropped-events'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid dropped an event (an IncomingCall that expired undelivered): that call was not answered or recorded.'
    severity: 2
    enabled: true
    scopes: [
      systemTopic.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'dropped'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          metricName: 'DroppedEventCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

// A chunk copy or verification failed five times and reached its poison queue: the handlers chunk_poison and
// verify_poison move it into the quarantine container, and each such invocation is one request.
resource poisoned 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertPrefix}poison-messages'
  location: location
  tags: tags
  properties: {
    displayName: '${alertPrefix}poison-messages'
    description: 'A chunk job or verification reached its poison queue: that chunk is not archived.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'requests | where name in ("chunk_poison", "verify_poison")'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Function invocations that failed (an exception, or a 5xx answer), by function.
resource failures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertPrefix}function-failures'
  location: location
  tags: tags
  properties: {
    displayName: '${alertPrefix}function-failures'
    description: 'Function invocations failed: Event Grid and the queues retry them, but a lasting cause stops archiving.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false and not(resultCode startswith "4")'
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'name'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThanOrEqual'
          threshold: failureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// The README's query "every recording not archived within an hour of files-ready", with the deadline as a
// parameter, narrowed to recordings still not archived.
var notArchivedQuery = '${replace(loadTextContent('queries/not-archived.kql'), '{deadline}', '${archiveDeadlineMinutes}m')}| where isnull(archivedAt)\n'

resource notArchived 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertPrefix}recording-not-archived'
  location: location
  tags: tags
  properties: {
    displayName: '${alertPrefix}recording-not-archived'
    description: 'A recording is not archived ${archiveDeadlineMinutes} minutes after its files-ready event; ACS deletes it 24 hours after the recording.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: notArchivedQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

output actionGroupId string = actionGroup.id
output alertNames array = [
  deadLettered.name
  droppedCalls.name
  poisoned.name
  failures.name
  notArchived.name
]
