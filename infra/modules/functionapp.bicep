// The Function App on the Flex Consumption plan (.NET 10 isolated), running as the user-assigned identity:
// deployment packages pulled from blob storage with it, and every connection identity-based (no key anywhere).
@description('The Function App name.')
param name string

@description('The plan name.')
param planName string

@description('The Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('The resource id of the user-assigned identity.')
param identityId string

@description('The client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the storage account.')
param blobEndpoint string

@description('Queue endpoint of the storage account.')
param queueEndpoint string

@description('Table endpoint of the storage account.')
param tableEndpoint string

@description('The blob container deployment packages are taken from.')
param deploymentContainerName string

@description('The blob container of dead letters.')
param deadLetterContainerName string

@description('The Event Hubs namespace host name.')
param eventHubsNamespace string

@description('The hub of collected events.')
param eventHubName string

@description('The consumer group ingest reads with.')
param consumerGroupName string

@description('The consumer group event destinations read with.')
param destinationsConsumerGroupName string

@description('The Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('The Cosmos DB database.')
param cosmosDatabaseName string

@description('Whether the processed-message log container exists (its setting names it, else stays empty).')
param processedMessageLog bool

@description('The Key Vault secret URI of the identity index hash key.')
param hashKeySecretUri string

@description('The Key Vault secret URI of the journey webhook signing key.')
param webhookKeySecretUri string

@description('The Key Vault secret URI of the master key of a deployment from before key wrapping (empty: none).')
param masterKeySecretUri string

@description('The Key Vault key that wraps the master keys (its URI without a version).')
param wrappingKeyUri string

@description('The Application Insights connection string (an identifier; ingestion needs Entra ID).')
param applicationInsightsConnectionString string

@description('Memory of each instance, in MB (2048 or 4096).')
@allowed([2048, 4096])
param instanceMemoryMB int

@description('The most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Event Hubs trigger: the most events in one batch.')
param eventHubMaxBatchSize int

@description('Event Hubs trigger: the fewest events a batch waits for (at most eventHubMaxBatchSize).')
param eventHubMinBatchSize int

@description('Event Hubs trigger: how long, in seconds, a batch waits to reach the fewest events (1-59).')
param eventHubMaxWaitSeconds int

@description('The subnet the app integrates with (empty: no virtual network).')
param subnetId string

@description('The client id of an Entra ID app registration whose tokens the admin API requires besides a function key (empty: function keys only).')
param adminClientId string

@description('With an app registration: each admin route also needs its app role (Cdp.Reader, Cdp.Operator, Cdp.PrivacyOfficer).')
param adminRoles bool

@description('The browser origins that may call the API: the console\'s static web app and the pages of browser sources (App Service answers CORS for every route).')
param allowedOrigins array

@description('Always-ready instances of the HTTP functions (0: none).')
param alwaysReady int

@description('The first collection source: its id.')
param sourceId string

@description('The first collection source: the SHA-256 (hex) of its write key.')
param sourceWriteKeySha256 string

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // The HTTP group (collection and the API) keeps instances warm, so the collector answers without a cold start.
        alwaysReady: alwaysReady > 0 ? [{ name: 'http', instanceCount: alwaysReady }] : []
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Only the console's origin may call the API from a browser (no credentials: the console sends keys in headers).
      cors: { allowedOrigins: allowedOrigins, supportCredentials: false }
      appSettings: [
        { name: 'AzureWebJobsStorage__blobServiceUri', value: blobEndpoint }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: queueEndpoint }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: tableEndpoint }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'EventHubConnection__fullyQualifiedNamespace', value: eventHubsNamespace }
        { name: 'EventHubConnection__credential', value: 'managedidentity' }
        { name: 'EventHubConnection__clientId', value: identityClientId }
        { name: 'CosmosConnection__accountEndpoint', value: cosmosEndpoint }
        { name: 'CosmosConnection__credential', value: 'managedidentity' }
        { name: 'CosmosConnection__clientId', value: identityClientId }
        { name: 'DeadLetterStorage__blobServiceUri', value: blobEndpoint }
        { name: 'DeadLetterStorage__credential', value: 'managedidentity' }
        { name: 'DeadLetterStorage__clientId', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // host.json's Event Hubs trigger settings, overridden per deployment (AzureFunctionsJobHost__{path}).
        { name: 'AzureFunctionsJobHost__extensions__eventHubs__maxEventBatchSize', value: string(eventHubMaxBatchSize) }
        { name: 'AzureFunctionsJobHost__extensions__eventHubs__minEventBatchSize', value: string(eventHubMinBatchSize) }
        { name: 'AzureFunctionsJobHost__extensions__eventHubs__maxWaitTime', value: format('00:00:{0:D2}', eventHubMaxWaitSeconds) }
        { name: 'CDP_EVENTHUB_NAME', value: eventHubName }
        { name: 'CDP_EVENTHUB_CONSUMER_GROUP', value: consumerGroupName }
        { name: 'CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP', value: destinationsConsumerGroupName }
        { name: 'CDP_COSMOS_DATABASE', value: cosmosDatabaseName }
        { name: 'CDP_COSMOS_IDENTITIES_CONTAINER', value: 'identities' }
        { name: 'CDP_COSMOS_PROFILES_CONTAINER', value: 'profiles' }
        { name: 'CDP_COSMOS_LEASES_CONTAINER', value: 'leases' }
        { name: 'CDP_COSMOS_LEDGER_CONTAINER', value: 'ledger' }
        { name: 'CDP_COSMOS_EVENTS_CONTAINER', value: 'events' }
        { name: 'CDP_COSMOS_MESSAGES_CONTAINER', value: processedMessageLog ? 'messages' : '' }
        { name: 'CDP_COSMOS_SEGMENTS_CONTAINER', value: 'segments' }
        { name: 'CDP_COSMOS_SEGMENT_MEMBERSHIP_CONTAINER', value: 'segmentMembership' }
        { name: 'CDP_COSMOS_SEGMENT_SCHEDULE_CONTAINER', value: 'segmentSchedule' }
        { name: 'CDP_COSMOS_JOURNEYS_CONTAINER', value: 'journeys' }
        { name: 'CDP_COSMOS_JOURNEY_INSTANCES_CONTAINER', value: 'journeyInstances' }
        { name: 'CDP_COSMOS_SOURCES_CONTAINER', value: 'sources' }
        { name: 'CDP_COSMOS_ACTIVITY_CONTAINER', value: 'activity' }
        { name: 'CDP_COSMOS_IMPORTS_CONTAINER', value: 'imports' }
        { name: 'CDP_COSMOS_DESTINATIONS_CONTAINER', value: 'destinations' }
        { name: 'CDP_COSMOS_DESTINATION_STATUS_CONTAINER', value: 'destinationStatus' }
        { name: 'CDP_COSMOS_ERASURES_CONTAINER', value: 'erasures' }
        { name: 'CDP_COSMOS_DATA_KEYS_CONTAINER', value: 'dataKeys' }
        { name: 'CDP_COSMOS_AUDIT_CONTAINER', value: 'audit' }
        { name: 'CDP_DEADLETTER_CONTAINER', value: deadLetterContainerName }
        { name: 'CDP_TASKHUB', value: 'cdp' }
        { name: 'Cdp__Identity__HashKey', value: '@Microsoft.KeyVault(SecretUri=${hashKeySecretUri})' }
        { name: 'Cdp__Journeys__WebhookSecret', value: '@Microsoft.KeyVault(SecretUri=${webhookKeySecretUri})' }
        { name: 'KeyVaultKey__keyUri', value: wrappingKeyUri }
        { name: 'KeyVaultKey__credential', value: 'managedidentity' }
        { name: 'KeyVaultKey__clientId', value: identityClientId }
        { name: 'Cdp__Privacy__MasterKey', value: empty(masterKeySecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${masterKeySecretUri})' }
        { name: 'Cdp__Access__RequirePrincipal', value: empty(adminClientId) ? 'false' : 'true' }
        { name: 'Cdp__Access__RequireRoles', value: !empty(adminClientId) && adminRoles ? 'true' : 'false' }
        { name: 'Cdp__Sources__0__Id', value: sourceId }
        { name: 'Cdp__Sources__0__Name', value: sourceId }
        { name: 'Cdp__Sources__0__WriteKeySha256', value: sourceWriteKeySha256 }
      ]
    }
  }
}

// App Service authentication validates Entra ID tokens for the admin API's registration and hands the app the
// principal; it lets anonymous calls through (collection and health are anonymous), and the app refuses admin calls
// without a principal (Cdp__Access__RequirePrincipal).
resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(adminClientId)) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: adminClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [adminClientId, 'api://${adminClientId}'] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = app.name
output id string = app.id
output uri string = 'https://${app.properties.defaultHostName}'
