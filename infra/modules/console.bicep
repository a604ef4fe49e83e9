// The web console as a static web app (Free): azd deploys console/dist-cloud to it (`npm run build:cloud`, with the
// Function App's address and the Entra ID registration built in). Its origin is the only one the Function App's CORS
// lets call the API from a browser.

@description('The static web app\'s name.')
param name string

@description('Where its metadata lives (the content is served worldwide); Static Web Apps exist in a few regions only.')
@allowed(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
param location string

@description('Tags on every resource.')
param tags object

resource site 'Microsoft.Web/staticSites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'console' })
  sku: { name: 'Free', tier: 'Free' }
  properties: {
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostname}'
