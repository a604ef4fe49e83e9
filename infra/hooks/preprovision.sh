#!/usr/bin/env bash
# azd preprovision: generates, once per azd environment, the secrets the deployment needs and keeps them in
# the environment (.azure/<env>/.env, never in the repository): the identity index hash key, the journey
# webhook signing key (stored by Bicep in Key Vault) and the first source's
# write key (only its SHA-256 is deployed); and the Key Vault name's suffix, made again after `azd down`
# (postdown.sh clears it: a deleted vault's name stays taken while purge protection holds it).
# Runs on Linux and macOS (bash 3.2 or later, openssl, and one of sha256sum, shasum or openssl's digest).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

# The lowercase hex SHA-256 of standard input, with whichever tool the machine has.
sha256() {
  local digest
  if command -v sha256sum >/dev/null 2>&1; then
    digest=$(sha256sum | cut -d' ' -f1)
  elif command -v shasum >/dev/null 2>&1; then
    digest=$(shasum -a 256 | cut -d' ' -f1)
  else
    digest=$(openssl dgst -sha256 -r | cut -d' ' -f1)
  fi
  if ! [[ "$digest" =~ ^[0-9a-f]{64}$ ]]; then
    echo "preprovision: could not compute a SHA-256 (install sha256sum, shasum or openssl)." >&2
    return 1
  fi
  printf %s "$digest"
}

value() { azd env get-value "$1" 2>/dev/null || true; }

# No master key: the vault's key cdp-master wraps the master keys (docs/privacy.md).
for name in CDP_IDENTITY_HASH_KEY CDP_WEBHOOK_SIGNING_KEY; do
  if [ -z "$(value "$name")" ]; then
    azd env set "$name" "$(openssl rand -base64 32)" >/dev/null
    echo "Generated $name (in Key Vault after provisioning)."
  fi
done
if [ -z "$(value CDP_WRITE_KEY_SHA256)" ]; then
  key=$(openssl rand -hex 24)
  hash=$(printf %s "$key" | sha256)
  azd env set CDP_WRITE_KEY "$key" >/dev/null
  azd env set CDP_WRITE_KEY_SHA256 "$hash" >/dev/null
  echo "Generated the write key of the first source: azd env get-value CDP_WRITE_KEY"
fi
if [ -z "$(value CDP_KEY_VAULT_SUFFIX)" ]; then
  azd env set CDP_KEY_VAULT_SUFFIX "$(openssl rand -hex 3)" >/dev/null
fi
