// Optional private networking (main.bicep: privateNetworking): a virtual network with a subnet the Function App
// integrates with (outbound traffic through the network) and a subnet of private endpoints for Storage (blob,
// queue, table), Event Hubs, Cosmos DB and Key Vault, each with its private DNS zone linked to the network.
@description('The virtual network name.')
param name string

@description('The Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('The storage account id.')
param storageAccountId string

@description('The Event Hubs namespace id.')
param eventHubsNamespaceId string

@description('The Cosmos DB account id.')
param cosmosAccountId string

@description('The Key Vault id.')
param keyVaultId string

resource network 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.40.0.0/16'] }
    subnets: [
      {
        name: 'functions'
        properties: {
          addressPrefix: '10.40.1.0/24'
          delegations: [{ name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'endpoints'
        properties: { addressPrefix: '10.40.2.0/24', privateEndpointNetworkPolicies: 'Disabled' }
      }
    ]
  }
}

// One private endpoint per (service, sub-resource), with the DNS zone that resolves it inside the network.
var endpoints = [
  { name: 'blob', target: storageAccountId, group: 'blob', zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { name: 'queue', target: storageAccountId, group: 'queue', zone: 'privatelink.queue.${environment().suffixes.storage}' }
  { name: 'table', target: storageAccountId, group: 'table', zone: 'privatelink.table.${environment().suffixes.storage}' }
  { name: 'eventhubs', target: eventHubsNamespaceId, group: 'namespace', zone: 'privatelink.servicebus.windows.net' }
  { name: 'cosmos', target: cosmosAccountId, group: 'Sql', zone: 'privatelink.documents.azure.com' }
  { name: 'vault', target: keyVaultId, group: 'vault', zone: 'privatelink.vaultcore.azure.net' }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for e in endpoints: {
  name: e.zone
  location: 'global'
  tags: tags
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (e, i) in endpoints: {
  parent: zones[i]
  name: name
  location: 'global'
  properties: {
    virtualNetwork: { id: network.id }
    registrationEnabled: false
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [for e in endpoints: {
  name: 'pe-${e.name}-${name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: network.properties.subnets[1].id }
    privateLinkServiceConnections: [
      {
        name: e.name
        properties: { privateLinkServiceId: e.target, groupIds: [e.group] }
      }
    ]
  }
}]

resource dnsGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [for (e, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: e.name, properties: { privateDnsZoneId: zones[i].id } }]
  }
}]

output functionsSubnetId string = network.properties.subnets[0].id
