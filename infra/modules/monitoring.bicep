// Log Analytics and Application Insights, local authentication off (telemetry is sent with Entra ID), and
// Monitoring Metrics Publisher for the app's identity on the component.
@description('The Log Analytics workspace name.')
param workspaceName string

@description('The Application Insights component name.')
param applicationInsightsName string

@description('The Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('The principal id of the app identity.')
param appPrincipalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

// An identifier of the component, not a credential: with local authentication off, telemetry is accepted only
// with an Entra ID token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
output connectionString string = applicationInsights.properties.ConnectionString

output applicationInsightsId string = applicationInsights.id
