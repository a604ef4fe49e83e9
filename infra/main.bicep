// Cdp on Azure: the entry point azd provisions (subscription scope; it creates the resource group).
// This is the skeleton the deployment issue grows: it names the environment, the location and the
// resource group with azd's conventions, and outputs what azd stores in its environment.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('The Azure region for every resource.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

var allTags = union(tags, { 'azd-env-name': environmentName })

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: allTags
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
