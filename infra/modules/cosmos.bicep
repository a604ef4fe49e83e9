// Cosmos DB for NoSQL: serverless by default (autoscale as a parameter), local (key) authentication off, the
// database and every container the adapters use, with its partition key, TTL and indexing (only what is queried
// is indexed; point reads and the change feed need no index). The Built-in Data Contributor role (data plane)
// for the app identity and, when given, the deploying user.
@description('The account name.')
param name string

@description('The Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@description('The database name.')
param databaseName string

@description('Serverless (pay per request unit) when true; else provisioned autoscale throughput on the database.')
param serverless bool

@description('With serverless false: the autoscale maximum RU/s of the database (at least 1000).')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Create the optional processed-message log container (messages).')
param processedMessageLog bool

@description('The principal id of the app identity.')
param appPrincipalId string

@description('The deploying user\'s principal id (empty: none).')
param userPrincipalId string

@description('The leases container of a Function App run on a laptop against this deployment.')
param laptopLeasesName string

// One entry per container: its name, partition key, whether items may carry a ttl (TTL on, no default), and the
// paths its queries filter on (all others excluded) or, for leases, Cosmos DB's default indexing. Must match the
// adapters (functions/Cdp.Azure/Cosmos/CosmosContainers.cs); a test compares them.
var containers = [
  { name: 'identities', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'profiles', partitionKey: '/id', ttl: true, defaultIndexing: false, indexed: [] }
  { name: 'leases', partitionKey: '/id', ttl: false, defaultIndexing: true, indexed: [] }
  { name: 'ledger', partitionKey: '/profileId', ttl: false, defaultIndexing: false, indexed: ['/profileId/?'] }
  { name: 'events', partitionKey: '/profileId', ttl: true, defaultIndexing: false, indexed: ['/profileId/?'] }
  { name: 'messages', partitionKey: '/id', ttl: true, defaultIndexing: false, indexed: [] }
  { name: 'segments', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'segmentMembership', partitionKey: '/partition', ttl: true, defaultIndexing: false, indexed: ['/partition/?', '/segmentId/?', '/type/?', '/profileId/?', '/atTicks/?'] }
  { name: 'segmentSchedule', partitionKey: '/bucket', ttl: false, defaultIndexing: false, indexed: ['/bucket/?'] }
  { name: 'journeys', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'journeyInstances', partitionKey: '/journeyId', ttl: false, defaultIndexing: false, indexed: ['/journeyId/?', '/profileId/?', '/status/?'] }
  { name: 'sources', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'activity', partitionKey: '/day', ttl: true, defaultIndexing: false, indexed: ['/day/?', '/minute/?'] }
  { name: 'imports', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'destinations', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'destinationStatus', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'erasures', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'dataKeys', partitionKey: '/id', ttl: false, defaultIndexing: false, indexed: [] }
  { name: 'audit', partitionKey: '/day', ttl: false, defaultIndexing: false, indexed: ['/day/?', '/profileId/?', '/actor/?', '/action/?'] }
]


@description('Enabled, or Disabled: reachable only through the private endpoints (CDP_CLOSE_PUBLIC_ACCESS with private networking).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    publicNetworkAccess: publicNetworkAccess
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = [for c in containers: if (c.name != 'messages' || processedMessageLog) {
  parent: database
  name: c.name
  properties: {
    resource: union(
      {
        id: c.name
        partitionKey: { paths: [c.partitionKey], kind: 'Hash', version: 2 }
      },
      c.ttl ? { defaultTtl: -1 } : {},
      c.defaultIndexing ? {} : {
        indexingPolicy: {
          indexingMode: 'consistent'
          includedPaths: map(c.indexed, path => { path: path })
          excludedPaths: [{ path: '/*' }]
        }
      })
  }
}]

// The change feed's leases of a Function App run on a laptop against this deployment (the postprovision hook points
// it here), so that it never takes the deployed app's leases.
resource laptopLeases 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: laptopLeasesName
  properties: {
    resource: { id: laptopLeasesName, partitionKey: { paths: ['/id'], kind: 'Hash', version: 2 } }
  }
}

// Cosmos DB Built-in Data Contributor (a data-plane role: sqlRoleAssignments, not Azure RBAC).
var dataContributor = '${account.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'

resource appData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, appPrincipalId, dataContributor)
  properties: {
    principalId: appPrincipalId
    roleDefinitionId: dataContributor
    scope: account.id
  }
}

resource userData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (!empty(userPrincipalId)) {
  parent: account
  name: guid(account.id, userPrincipalId, dataContributor)
  properties: {
    principalId: userPrincipalId
    roleDefinitionId: dataContributor
    scope: account.id
  }
}

output id string = account.id
output endpoint string = account.properties.documentEndpoint
