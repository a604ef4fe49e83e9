// The Storage account: shared-key access off; blobs (deployment packages, dead letters, the Functions host),
// queues and tables (the Functions host and the Durable Task hub). Data roles for the app identity and, when
// given, the deploying user.
@description('The storage account name (3-24 lowercase letters and digits).')
param name string

@description('The Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@description('The blob container Flex Consumption deploys packages from.')
param deploymentContainerName string

@description('The blob container of dead letters.')
param deadLetterContainerName string

@description('The principal id of the app identity.')
param appPrincipalId string

@description('The deploying user\'s principal id (empty: none).')
param userPrincipalId string

@description('What that principal is: User or ServicePrincipal (a pipeline).')
param userPrincipalType string


@description('Enabled, or Disabled: reachable only through the private endpoints (CDP_CLOSE_PUBLIC_ACCESS with private networking).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    publicNetworkAccess: publicNetworkAccess
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: deploymentContainerName
}

resource deadLetters 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: deadLetterContainerName
}

// Dead letters nobody replayed or deleted expire 30 days after they were written (IDeadLetterStore.Retention).
resource deadLetterRetention 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'dead-letter-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob' ]
              prefixMatch: [ '${deadLetterContainerName}/' ]
            }
            actions: {
              baseBlob: {
                delete: { daysAfterCreationGreaterThan: 30 }
              }
            }
          }
        }
      ]
    }
  }
}

// Storage Blob Data Owner, Storage Queue Data Contributor, Storage Table Data Contributor.
var roles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]

resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(account.id, appPrincipalId, role)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource userRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: if (!empty(userPrincipalId)) {
  name: guid(account.id, userPrincipalId, role)
  scope: account
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
