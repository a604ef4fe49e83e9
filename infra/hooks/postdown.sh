#!/usr/bin/env bash
# azd postdown: the Key Vault was deleted; with purge protection its name stays taken (soft-deleted, 7 days) even
# after `azd down --purge`. Clearing the suffix makes the next `azd up` (preprovision) name a new vault.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
azd env set CDP_KEY_VAULT_SUFFIX "" >/dev/null
echo "The next azd up creates a Key Vault under a new name (the deleted one's stays reserved while purge protection holds it)."
