# azd preprovision (Windows): generates, once per azd environment, the identity index hash key, the webhook signing key and the first
# source's write key, kept in the azd environment (never in the repository); only the key's SHA-256 is deployed.
$ErrorActionPreference = 'Stop'
function Get-EnvValue([string] $name) { try { (azd env get-value $name 2>$null) } catch { '' } }
if (-not (Get-EnvValue 'CDP_IDENTITY_HASH_KEY')) {
  $bytes = [byte[]]::new(32); [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  azd env set CDP_IDENTITY_HASH_KEY ([Convert]::ToBase64String($bytes)) | Out-Null
  Write-Host 'Generated the identity index hash key (in Key Vault after provisioning).'
}
if (-not (Get-EnvValue 'CDP_WEBHOOK_SIGNING_KEY')) {
  $bytes = [byte[]]::new(32); [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  azd env set CDP_WEBHOOK_SIGNING_KEY ([Convert]::ToBase64String($bytes)) | Out-Null
  Write-Host 'Generated the journey webhook signing key (in Key Vault after provisioning; give it to your receivers).'
}
if (-not (Get-EnvValue 'CDP_WRITE_KEY_SHA256')) {
  $bytes = [byte[]]::new(24); [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  $key = [Convert]::ToHexString($bytes).ToLowerInvariant()
  $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($key))).ToLowerInvariant()
  azd env set CDP_WRITE_KEY $key | Out-Null
  azd env set CDP_WRITE_KEY_SHA256 $hash | Out-Null
  Write-Host 'Generated the write key of the first source: azd env get-value CDP_WRITE_KEY'
}
if (-not (Get-EnvValue 'CDP_KEY_VAULT_SUFFIX')) {
  $bytes = [byte[]]::new(3); [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  azd env set CDP_KEY_VAULT_SUFFIX ([Convert]::ToHexString($bytes).ToLowerInvariant()) | Out-Null
}
