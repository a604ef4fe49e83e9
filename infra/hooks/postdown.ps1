# azd postdown (Windows): the deleted Key Vault's name stays taken while purge protection holds it; clearing the
# suffix makes the next `azd up` (preprovision) name a new vault.
$ErrorActionPreference = 'Stop'
azd env set CDP_KEY_VAULT_SUFFIX '' | Out-Null
Write-Host 'The next azd up creates a Key Vault under a new name (the deleted one''s stays reserved while purge protection holds it).'
