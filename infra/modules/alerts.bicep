// Alert rules, to an action group that mails the operator: dead letters increasing, a consumer falling behind, the
// Function App failing requests, Cosmos DB throttling, Event Hubs throttling. The log-based rules read the events the
// app's status timer writes every 5 minutes (260: a consumer's lag, 261: dead letters waiting by stage; docs/operations.md).
@description('Names the resources.')
param namePrefix string

@description('Tags for the resources.')
param tags object

@description('Where the alerts are mailed (empty: the rules fire in the portal only, no action group).')
param alertEmail string

@description('The Application Insights component the log rules query.')
param applicationInsightsId string

@description('The Azure region of the log rules (the component\'s).')
param location string

@description('The Function App.')
param functionAppId string

@description('The Cosmos DB account.')
param cosmosAccountId string

@description('The Event Hubs namespace.')
param eventHubsNamespaceId string

@description('A consumer whose oldest waiting item is older than this many seconds raises an alert.')
param lagThresholdSeconds int

@description('More failed (5xx) requests than this in 5 minutes raise an alert.')
param failedRequestsThreshold int

@description('More throttled (429) Cosmos DB requests than this in 5 minutes raise an alert.')
param cosmosThrottledThreshold int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'cdp-ops'
    enabled: true
    emailReceivers: [{ name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var actions = empty(alertEmail) ? [] : [{ actionGroupId: actionGroup.id }]

// Metric rules: one criterion each, over 5 minutes.
var metricRules = [
  {
    name: 'cosmos-throttled'
    description: 'Cosmos DB answered more requests 429 (throttled) than the threshold: raise the throughput or the autoscale ceiling.'
    scope: cosmosAccountId
    namespace: 'Microsoft.DocumentDB/databaseAccounts'
    metric: 'TotalRequests'
    aggregation: 'Count'
    dimensions: [{ name: 'StatusCode', operator: 'Include', values: ['429'] }]
    threshold: cosmosThrottledThreshold
    severity: 2
  }
  {
    name: 'requests-failing'
    description: 'The Function App answered more requests 5xx than the threshold.'
    scope: functionAppId
    namespace: 'Microsoft.Web/sites'
    metric: 'Http5xx'
    aggregation: 'Total'
    dimensions: []
    threshold: failedRequestsThreshold
    severity: 1
  }
  {
    name: 'eventhubs-throttled'
    description: 'Event Hubs throttled requests: add throughput units.'
    scope: eventHubsNamespaceId
    namespace: 'Microsoft.EventHub/namespaces'
    metric: 'ThrottledRequests'
    aggregation: 'Total'
    dimensions: []
    threshold: 0
    severity: 2
  }
]

resource metricAlerts 'Microsoft.Insights/metricAlerts@2026-01-01' = [for rule in metricRules: {
  name: '${namePrefix}-${rule.name}'
  location: 'global'
  tags: tags
  properties: {
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [rule.scope]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: rule.name
          metricNamespace: rule.namespace
          metricName: rule.metric
          dimensions: rule.dimensions
          operator: 'GreaterThan'
          threshold: rule.threshold
          timeAggregation: rule.aggregation
        }
      ]
    }
    actions: actions
  }
}]

// Log rules over the status timer's events (customDimensions carry the logged values as prop__NAME).
var logRules = [
  {
    name: 'deadletters-increasing'
    description: 'Dead letters are piling up (the count waiting in a stage grew within 30 minutes): read them (GET /api/deadletters), fix, replay.'
    query: 'traces | where tostring(customDimensions.EventId) == "261" | summarize growth = max(todouble(customDimensions.prop__Count)) - min(todouble(customDimensions.prop__Count)) by stage = tostring(customDimensions.prop__Stage) | where growth > 0'
    severity: 2
  }
  {
    name: 'consumer-lagging'
    description: 'A consumer is behind by more than the threshold (GET /api/status names it).'
    query: 'traces | where tostring(customDimensions.EventId) == "260" | where todouble(customDimensions.prop__SecondsBehind) > ${lagThresholdSeconds} | summarize worst = max(todouble(customDimensions.prop__SecondsBehind)) by consumer = tostring(customDimensions.prop__Consumer)'
    severity: 2
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [for rule in logRules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  properties: {
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT30M'
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: map(actions, a => a.actionGroupId) }
  }
}]

// A workbook of the same figures: each consumer's lag, dead letters waiting, requests and failures, request units per event.
var workbookQueries = [
  {
    title: 'Seconds behind, by consumer (status timer, event 260)'
    query: 'traces | where tostring(customDimensions.EventId) == "260" | summarize secondsBehind = max(todouble(customDimensions.prop__SecondsBehind)) by bin(timestamp, 5m), consumer = tostring(customDimensions.prop__Consumer) | render timechart'
  }
  {
    title: 'Items behind, by consumer'
    query: 'traces | where tostring(customDimensions.EventId) == "260" | summarize behind = max(todouble(customDimensions.prop__Behind)) by bin(timestamp, 5m), consumer = tostring(customDimensions.prop__Consumer) | render timechart'
  }
  {
    title: 'Dead letters waiting, by stage (event 261)'
    query: 'traces | where tostring(customDimensions.EventId) == "261" | summarize waiting = max(todouble(customDimensions.prop__Count)) by bin(timestamp, 5m), stage = tostring(customDimensions.prop__Stage) | render timechart'
  }
  {
    title: 'Requests and failures'
    query: 'requests | summarize requests = count(), failed = countif(success == false) by bin(timestamp, 5m) | render timechart'
  }
  {
    title: 'Cosmos DB request units per ingested event (event 210)'
    query: 'traces | where tostring(customDimensions.EventId) == "210" | summarize perEvent = avg(todouble(customDimensions.prop__PerEvent)) by bin(timestamp, 5m) | render timechart'
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsightsId, 'cdp-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Cdp operations'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string({
      version: 'Notebook/1.0'
      items: map(workbookQueries, q => {
        type: 3
        content: {
          version: 'KqlItem/1.0'
          title: q.title
          query: q.query
          queryType: 0
          resourceType: 'microsoft.insights/components'
          visualization: 'timechart'
        }
      })
    })
  }
}

output actionGroupId string = empty(alertEmail) ? '' : actionGroup.id
