// Cdp on Azure: the entry point azd provisions (subscription scope; it creates the resource group). One
// user-assigned identity runs the Function App and holds every data role; no resource accepts keys
// (Storage shared keys, Event Hubs SAS, Cosmos DB keys, Application Insights ingestion keys are all off).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('The Azure region for every resource.')
param location string

@description('The deploying principal\'s id (azd sets AZURE_PRINCIPAL_ID). It gets data roles only with deployerDataAccess.')
param principalId string = ''

@description('What the deploying principal is (azd sets AZURE_PRINCIPAL_TYPE): User from a laptop, ServicePrincipal from a pipeline.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Give the deploying principal the app\'s data roles (Storage, Event Hubs, Cosmos DB data, Key Vault secrets), to run the Function App from a laptop against the deployment. Off: no standing access to personal data for the deployer.')
param deployerDataAccess bool = false

@description('A suffix of the Key Vault\'s name, made by the preprovision hook and made again after `azd down` (a purged vault\'s name stays taken while purge protection holds it).')
@maxLength(6)
param keyVaultSuffix string = ''

@description('Tags applied to every resource.')
param tags object = {}

@description('Event Hubs: partitions of the events hub (the most ingest instances reading in parallel; fixed once the hub exists on Standard).')
@minValue(1)
@maxValue(32)
param eventHubPartitions int = 16

@description('Event Hubs trigger: the most events in one ingest batch (host.json maxEventBatchSize). At most a profile\'s memory of recent messages (128), so that a redelivered batch counts nothing twice.')
@minValue(1)
@maxValue(128)
param eventHubMaxBatchSize int = 100

@description('Event Hubs trigger: the fewest events a batch waits for, up to the wait below (host.json minEventBatchSize; at most the largest batch).')
@minValue(1)
@maxValue(128)
param eventHubMinBatchSize int = 20

@description('Event Hubs trigger: how long, in seconds, a batch waits to reach the fewest events (host.json maxWaitTime).')
@minValue(1)
@maxValue(59)
param eventHubMaxWaitSeconds int = 1

@description('Event Hubs: throughput units (each 1 MB/s or 1,000 events/s in, 2 MB/s out).')
@minValue(1)
@maxValue(40)
param eventHubThroughputUnits int = 1

@description('Cosmos DB: serverless (pay per request unit) when true; else autoscale provisioned throughput.')
param cosmosServerless bool = true

@description('Cosmos DB: the autoscale maximum RU/s of the database when not serverless.')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Cosmos DB: create the optional processed-message log (a 7-day duplicate window at about 6.5 RU more per event).')
param processedMessageLog bool = false

@description('Private networking: a virtual network the Function App integrates with, and private endpoints (with private DNS) for Storage, Event Hubs, Cosmos DB and Key Vault.')
param privateNetworking bool = false

@description('With private networking: turn public network access off on Storage, Event Hubs, Cosmos DB and Key Vault (they are then reached only through the private endpoints; azd cannot upload a package from outside: see docs/deploy.md for the two-step).')
param closePublicAccess bool = false

@description('Function App: memory per instance in MB.')
@allowed([2048, 4096])
param instanceMemoryMB int = 2048

@description('Function App: the most instances it scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('The first collection source\'s id.')
param sourceId string = 'web'

@description('The SHA-256 (hex) of the first source\'s write key (the azd preprovision hook generates a key and sets it).')
param sourceWriteKeySha256 string

@description('The identity index hash key, base64 of at least 32 random bytes (the azd preprovision hook generates it once).')
@secure()
param identityHashKey string

@description('The key journey webhooks are signed with (HMAC-SHA256), base64 of at least 32 random bytes (the azd preprovision hook generates it once).')
@secure()
param webhookSigningKey string

@description('Only for a deployment from before key wrapping (CDP_MASTER_KEY): its master key, kept as a Key Vault secret the app reads until every data key is rewrapped (docs/privacy.md). New deployments leave it empty: a Key Vault key wraps the master keys.')
@secure()
param masterKey string = ''

@description('The client id of an Entra ID app registration whose tokens the admin API requires besides a function key (empty: function keys only).')
param adminClientId string = ''

@description('With adminClientId: the admin routes also need the app roles Cdp.Reader (reads), Cdp.Operator (changes) and Cdp.PrivacyOfficer (erasure, export, audit, consents), defined in the app registration and assigned to people.')
param adminRoles bool = false

@description('Browser origins that may call the collection API besides the console (pages of your sites with a `web` source), comma-separated, e.g. https://www.example.com,https://shop.example.com.')
param browserOrigins string = ''

@description('Always-ready instances of the HTTP functions (the collector and the API): requests never wait for a cold start; each is billed while idle. 0: none.')
@minValue(0)
@maxValue(20)
param collectorAlwaysReady int = 1

@description('Where alerts are mailed (an action group); empty: the alert rules fire in the portal only.')
param alertEmail string = ''

@description('Alert when a consumer\'s oldest waiting item is older than this many seconds.')
@minValue(30)
param alertLagSeconds int = 300

@description('Alert when the Function App answers more 5xx than this in 5 minutes.')
@minValue(0)
param alertFailedRequests int = 10

@description('Alert when Cosmos DB throttles (429) more requests than this in 5 minutes.')
@minValue(0)
param alertCosmosThrottled int = 50

@description('Where the console\'s static web app lives (its content is served worldwide; Static Web Apps exist in these regions only).')
@allowed(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
param consoleLocation string = 'westeurope'

var allTags = union(tags, { 'azd-env-name': environmentName })
// Who gets the data roles besides the app: the deploying principal when asked for, else nobody.
var dataPrincipalId = deployerDataAccess ? principalId : ''
// Closed only where private endpoints give the app another way in.
var publicNetworkAccess = privateNetworking && closePublicAccess ? 'Disabled' : 'Enabled'
var token = toLower(uniqueString(subscription().id, environmentName, location))
var deploymentContainerName = 'deployments'
var deadLetterContainerName = 'deadletters'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  scope: resourceGroup
  params: { name: 'id-${token}', location: location, tags: allTags }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: resourceGroup
  params: {
    workspaceName: 'log-${token}'
    applicationInsightsName: 'appi-${token}'
    location: location
    tags: allTags
    appPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  scope: resourceGroup
  params: {
    publicNetworkAccess: publicNetworkAccess
    name: 'st${token}'
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: dataPrincipalId
    userPrincipalType: principalType
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  scope: resourceGroup
  params: {
    publicNetworkAccess: publicNetworkAccess
    name: 'evhns-${token}'
    location: location
    tags: allTags
    hubName: 'events'
    consumerGroupName: 'ingest'
    destinationsConsumerGroupName: 'destinations'
    laptopConsumerGroupNames: ['laptop-ingest', 'laptop-destinations']
    partitionCount: eventHubPartitions
    throughputUnits: eventHubThroughputUnits
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: dataPrincipalId
    userPrincipalType: principalType
  }
}

module cosmos 'modules/cosmos.bicep' = {
  scope: resourceGroup
  params: {
    publicNetworkAccess: publicNetworkAccess
    name: 'cosmos-${token}'
    location: location
    tags: allTags
    databaseName: 'cdp'
    serverless: cosmosServerless
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    processedMessageLog: processedMessageLog
    laptopLeasesName: 'leasesLaptop'
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: dataPrincipalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  scope: resourceGroup
  params: {
    publicNetworkAccess: publicNetworkAccess
    name: 'kv-${token}${keyVaultSuffix}'
    location: location
    tags: allTags
    identityHashKey: identityHashKey
    webhookSigningKey: webhookSigningKey
    masterKey: masterKey
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: dataPrincipalId
    userPrincipalType: principalType
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  scope: resourceGroup
  params: {
    name: 'vnet-${token}'
    location: location
    tags: allTags
    storageAccountId: storage.outputs.id
    eventHubsNamespaceId: eventHubs.outputs.id
    cosmosAccountId: cosmos.outputs.id
    keyVaultId: keyVault.outputs.id
  }
}

module console 'modules/console.bicep' = {
  scope: resourceGroup
  params: {
    name: 'stapp-${token}'
    location: consoleLocation
    tags: allTags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  scope: resourceGroup
  params: {
    name: 'func-${token}'
    planName: 'plan-${token}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    eventHubsNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: 'events'
    consumerGroupName: 'ingest'
    destinationsConsumerGroupName: 'destinations'
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: 'cdp'
    processedMessageLog: processedMessageLog
    hashKeySecretUri: keyVault.outputs.hashKeySecretUri
    webhookKeySecretUri: keyVault.outputs.webhookKeySecretUri
    masterKeySecretUri: keyVault.outputs.masterKeySecretUri
    wrappingKeyUri: keyVault.outputs.wrappingKeyUri
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    eventHubMaxBatchSize: eventHubMaxBatchSize
    eventHubMinBatchSize: min(eventHubMinBatchSize, eventHubMaxBatchSize)
    eventHubMaxWaitSeconds: eventHubMaxWaitSeconds
    sourceId: sourceId
    sourceWriteKeySha256: sourceWriteKeySha256
    adminClientId: adminClientId
    adminRoles: adminRoles
    allowedOrigins: concat([console.outputs.uri], empty(browserOrigins) ? [] : map(split(browserOrigins, ','), origin => trim(origin)))
    alwaysReady: collectorAlwaysReady
    subnetId: privateNetworking ? network!.outputs.functionsSubnetId : ''
  }
}

module alerts 'modules/alerts.bicep' = {
  scope: resourceGroup
  params: {
    namePrefix: 'cdp-${token}'
    tags: allTags
    alertEmail: alertEmail
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    location: location
    functionAppId: functionApp.outputs.id
    cosmosAccountId: cosmos.outputs.id
    eventHubsNamespaceId: eventHubs.outputs.id
    lagThresholdSeconds: alertLagSeconds
    failedRequestsThreshold: alertFailedRequests
    cosmosThrottledThreshold: alertCosmosThrottled
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output CDP_API_URL string = '${functionApp.outputs.uri}/api'
output CDP_FUNCTION_APP_URL string = functionApp.outputs.uri
output CDP_CONSOLE_URL string = console.outputs.uri
output CDP_TENANT_ID string = tenant().tenantId
output CDP_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output CDP_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output CDP_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output CDP_EVENTHUBS_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output CDP_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output CDP_KEY_VAULT_NAME string = keyVault.outputs.name
output CDP_KEY_VAULT_KEY_URI string = keyVault.outputs.wrappingKeyUri
output CDP_PROCESSED_MESSAGE_LOG bool = processedMessageLog
