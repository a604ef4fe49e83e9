# azd postprovision (Windows): writes local.settings.json (ignored by git) to run the Function App on a laptop
# against the deployed resources as the deploying user; identity-based connections only, no master key (the vault's
# key cdp-master wraps the master keys and never leaves the vault).
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
function Get-EnvValue([string] $name) { (azd env get-value $name) }
$hashKey = try { az keyvault secret show --vault-name (Get-EnvValue 'CDP_KEY_VAULT_NAME') --name identity-hash-key --query value -o tsv } catch { Get-EnvValue 'CDP_IDENTITY_HASH_KEY' }
$webhookKey = try { az keyvault secret show --vault-name (Get-EnvValue 'CDP_KEY_VAULT_NAME') --name webhook-signing-key --query value -o tsv } catch { Get-EnvValue 'CDP_WEBHOOK_SIGNING_KEY' }
$sourceId = try { Get-EnvValue 'CDP_SOURCE_ID' } catch { 'web' }
if (-not $sourceId) { $sourceId = 'web' }
$values = [ordered]@{
  'FUNCTIONS_WORKER_RUNTIME' = 'dotnet-isolated'
  'AzureWebJobsStorage__blobServiceUri' = Get-EnvValue 'CDP_STORAGE_BLOB_ENDPOINT'
  'AzureWebJobsStorage__queueServiceUri' = Get-EnvValue 'CDP_STORAGE_QUEUE_ENDPOINT'
  'AzureWebJobsStorage__tableServiceUri' = Get-EnvValue 'CDP_STORAGE_TABLE_ENDPOINT'
  'EventHubConnection__fullyQualifiedNamespace' = Get-EnvValue 'CDP_EVENTHUBS_NAMESPACE'
  'CosmosConnection__accountEndpoint' = Get-EnvValue 'CDP_COSMOS_ENDPOINT'
  'DeadLetterStorage__blobServiceUri' = Get-EnvValue 'CDP_STORAGE_BLOB_ENDPOINT'
  'CDP_EVENTHUB_NAME' = 'events'
  'CDP_EVENTHUB_CONSUMER_GROUP' = 'laptop-ingest'
  'CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP' = 'laptop-destinations'
  'CDP_COSMOS_DATABASE' = 'cdp'
  'CDP_COSMOS_IDENTITIES_CONTAINER' = 'identities'
  'CDP_COSMOS_PROFILES_CONTAINER' = 'profiles'
  'CDP_COSMOS_LEASES_CONTAINER' = 'leasesLaptop'
  'CDP_COSMOS_LEDGER_CONTAINER' = 'ledger'
  'CDP_COSMOS_EVENTS_CONTAINER' = 'events'
  'CDP_COSMOS_MESSAGES_CONTAINER' = $(if ((Get-EnvValue 'CDP_PROCESSED_MESSAGE_LOG') -eq 'true') { 'messages' } else { '' })
  'CDP_COSMOS_SEGMENTS_CONTAINER' = 'segments'
  'CDP_COSMOS_SEGMENT_MEMBERSHIP_CONTAINER' = 'segmentMembership'
  'CDP_COSMOS_SEGMENT_SCHEDULE_CONTAINER' = 'segmentSchedule'
  'CDP_COSMOS_JOURNEYS_CONTAINER' = 'journeys'
  'CDP_COSMOS_JOURNEY_INSTANCES_CONTAINER' = 'journeyInstances'
  'CDP_COSMOS_SOURCES_CONTAINER' = 'sources'
  'CDP_COSMOS_ACTIVITY_CONTAINER' = 'activity'
  'CDP_COSMOS_IMPORTS_CONTAINER' = 'imports'
  'CDP_COSMOS_DESTINATIONS_CONTAINER' = 'destinations'
  'CDP_COSMOS_DESTINATION_STATUS_CONTAINER' = 'destinationStatus'
  'CDP_COSMOS_ERASURES_CONTAINER' = 'erasures'
  'CDP_COSMOS_DATA_KEYS_CONTAINER' = 'dataKeys'
  'CDP_COSMOS_AUDIT_CONTAINER' = 'audit'
  'CDP_DEADLETTER_CONTAINER' = 'deadletters'
  'CDP_TASKHUB' = 'cdplocal'
  'Cdp__Identity__HashKey' = $hashKey
  'Cdp__Journeys__WebhookSecret' = $webhookKey
  'KeyVaultKey__keyUri' = Get-EnvValue 'CDP_KEY_VAULT_KEY_URI'
  'Cdp__Sources__0__Id' = $sourceId
  'Cdp__Sources__0__Name' = $sourceId
  'Cdp__Sources__0__WriteKeySha256' = Get-EnvValue 'CDP_WRITE_KEY_SHA256'
}
@{ IsEncrypted = $false; Values = $values } | ConvertTo-Json | Set-Content -Path local.settings.json -Encoding utf8
# The console's cloud build: where the API is, and Entra ID's registration when there is one (public values).
$clientId = try { Get-EnvValue 'CDP_ADMIN_CLIENT_ID' } catch { '' }
@(
  "VITE_CDP_API_BASE=$(Get-EnvValue 'CDP_FUNCTION_APP_URL')",
  "VITE_CDP_ENTRA_CLIENT_ID=$clientId",
  "VITE_CDP_ENTRA_TENANT_ID=$(Get-EnvValue 'CDP_TENANT_ID')"
) | Set-Content -Path console/.env.cloud.local -Encoding utf8
Write-Host "Wrote local.settings.json for the deployed resources. The API: $(Get-EnvValue 'CDP_API_URL')"
Write-Host "The console (after azd deploy): $(Get-EnvValue 'CDP_CONSOLE_URL')"
