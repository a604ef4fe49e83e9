// Event Hubs (Standard): the events hub with its partitions, the ingest consumer group; local (SAS)
// authentication off. Sender and Receiver roles scoped to the hub, for the app identity and the deploying user.
@description('The namespace name.')
param name string

@description('The Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@description('The hub that carries collected events.')
param hubName string

@description('The consumer group ingest reads with.')
param consumerGroupName string

@description('The consumer group event destinations read with (their own checkpoints).')
param destinationsConsumerGroupName string

@description('The consumer groups of a Function App run on a laptop against this deployment.')
param laptopConsumerGroupNames array

@description('Partitions of the hub (the most ingest instances that read in parallel).')
@minValue(1)
@maxValue(32)
param partitionCount int

@description('Throughput units of the namespace (1 unit: 1 MB/s or 1,000 events/s in).')
@minValue(1)
@maxValue(40)
param throughputUnits int

@description('The principal id of the app identity.')
param appPrincipalId string

@description('The deploying user\'s principal id (empty: none).')
param userPrincipalId string

@description('What that principal is: User or ServicePrincipal (a pipeline).')
param userPrincipalType string


@description('Enabled, or Disabled: reachable only through the private endpoints (CDP_CLOSE_PUBLIC_ACCESS with private networking).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: throughputUnits }
  properties: {
    publicNetworkAccess: publicNetworkAccess
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: 7
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = {
  parent: hub
  name: consumerGroupName
}

resource destinationsConsumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = {
  parent: hub
  name: destinationsConsumerGroupName
}

// The consumer groups of a Function App run on a laptop against this deployment (the postprovision hook points it
// at them), so that it never takes the deployed app's partitions or checkpoints.
resource laptopConsumerGroups 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = [for group in laptopConsumerGroupNames: {
  parent: hub
  name: group
}]

// Azure Event Hubs Data Sender, Azure Event Hubs Data Receiver.
var roles = [
  '2b629674-e913-4c01-ae53-ef4638d8f975'
  'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
]

resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(hub.id, appPrincipalId, role)
  scope: hub
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource userRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: if (!empty(userPrincipalId)) {
  name: guid(hub.id, userPrincipalId, role)
  scope: hub
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

output id string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
