#!/usr/bin/env bash
# azd postprovision: writes local.settings.json (ignored by git) so the Function App runs on a laptop against
# the deployed resources, signed in as the deploying user (data roles only with CDP_DEPLOYER_DATA_ACCESS=true). No key is written:
# every connection is identity-based, the hash and webhook keys are read from Key Vault by `az`, and the master keys are
# wrapped by the vault's key `cdp-master`, which never leaves the vault (no master key in this file or in .azure/).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
cd "$(dirname "$0")/../.."
get() { azd env get-value "$1"; }
hash_key=$(az keyvault secret show --vault-name "$(get CDP_KEY_VAULT_NAME)" --name identity-hash-key --query value -o tsv 2>/dev/null || get CDP_IDENTITY_HASH_KEY)
webhook_key=$(az keyvault secret show --vault-name "$(get CDP_KEY_VAULT_NAME)" --name webhook-signing-key --query value -o tsv 2>/dev/null || get CDP_WEBHOOK_SIGNING_KEY)
messages=""
[ "$(get CDP_PROCESSED_MESSAGE_LOG)" = "true" ] && messages="messages"
cat > local.settings.json <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "AzureWebJobsStorage__blobServiceUri": "$(get CDP_STORAGE_BLOB_ENDPOINT)",
    "AzureWebJobsStorage__queueServiceUri": "$(get CDP_STORAGE_QUEUE_ENDPOINT)",
    "AzureWebJobsStorage__tableServiceUri": "$(get CDP_STORAGE_TABLE_ENDPOINT)",
    "EventHubConnection__fullyQualifiedNamespace": "$(get CDP_EVENTHUBS_NAMESPACE)",
    "CosmosConnection__accountEndpoint": "$(get CDP_COSMOS_ENDPOINT)",
    "DeadLetterStorage__blobServiceUri": "$(get CDP_STORAGE_BLOB_ENDPOINT)",
    "CDP_EVENTHUB_NAME": "events",
    "CDP_EVENTHUB_CONSUMER_GROUP": "laptop-ingest",
    "CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP": "laptop-destinations",
    "CDP_COSMOS_DATABASE": "cdp",
    "CDP_COSMOS_IDENTITIES_CONTAINER": "identities",
    "CDP_COSMOS_PROFILES_CONTAINER": "profiles",
    "CDP_COSMOS_LEASES_CONTAINER": "leasesLaptop",
    "CDP_COSMOS_LEDGER_CONTAINER": "ledger",
    "CDP_COSMOS_EVENTS_CONTAINER": "events",
    "CDP_COSMOS_MESSAGES_CONTAINER": "$messages",
    "CDP_COSMOS_SEGMENTS_CONTAINER": "segments",
    "CDP_COSMOS_SEGMENT_MEMBERSHIP_CONTAINER": "segmentMembership",
    "CDP_COSMOS_SEGMENT_SCHEDULE_CONTAINER": "segmentSchedule",
    "CDP_COSMOS_JOURNEYS_CONTAINER": "journeys",
    "CDP_COSMOS_JOURNEY_INSTANCES_CONTAINER": "journeyInstances",
    "CDP_COSMOS_SOURCES_CONTAINER": "sources",
    "CDP_COSMOS_ACTIVITY_CONTAINER": "activity",
    "CDP_COSMOS_IMPORTS_CONTAINER": "imports",
    "CDP_COSMOS_DESTINATIONS_CONTAINER": "destinations",
    "CDP_COSMOS_DESTINATION_STATUS_CONTAINER": "destinationStatus",
    "CDP_COSMOS_ERASURES_CONTAINER": "erasures",
    "CDP_COSMOS_DATA_KEYS_CONTAINER": "dataKeys",
    "CDP_COSMOS_AUDIT_CONTAINER": "audit",
    "CDP_DEADLETTER_CONTAINER": "deadletters",
    "CDP_TASKHUB": "cdplocal",
    "Cdp__Identity__HashKey": "$hash_key",
    "Cdp__Journeys__WebhookSecret": "$webhook_key",
    "KeyVaultKey__keyUri": "$(get CDP_KEY_VAULT_KEY_URI)",
    "Cdp__Sources__0__Id": "$(get CDP_SOURCE_ID 2>/dev/null || echo web)",
    "Cdp__Sources__0__Name": "$(get CDP_SOURCE_ID 2>/dev/null || echo web)",
    "Cdp__Sources__0__WriteKeySha256": "$(get CDP_WRITE_KEY_SHA256)"
  }
}
JSON
# The console's cloud build: where the API is, and Entra ID's registration when there is one (no secret: the
# client id and tenant are public, and the console asks for a function key at sign-in).
cat > console/.env.cloud.local <<ENV
VITE_CDP_API_BASE=$(get CDP_FUNCTION_APP_URL)
VITE_CDP_ENTRA_CLIENT_ID=$(get CDP_ADMIN_CLIENT_ID 2>/dev/null || true)
VITE_CDP_ENTRA_TENANT_ID=$(get CDP_TENANT_ID)
ENV
echo "Wrote local.settings.json for the deployed resources. The API: $(get CDP_API_URL)"
echo "The console (after azd deploy): $(get CDP_CONSOLE_URL)"
