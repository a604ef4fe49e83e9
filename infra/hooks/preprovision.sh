#!/bin/sh
# azd preprovision: generates, once per azd environment, the secrets the deployment needs and keeps them in
# the environment (.azure/<env>/.env, never in the repository): the identity index hash key, the journey
# webhook signing key and the personal-data master key (stored by Bicep in Key Vault) and the first source's
# write key (only its SHA-256 is deployed).
set -eu
if [ -z "$(azd env get-value CDP_IDENTITY_HASH_KEY 2>/dev/null || true)" ]; then
  azd env set CDP_IDENTITY_HASH_KEY "$(openssl rand -base64 32)" >/dev/null
  echo "Generated the identity index hash key (in Key Vault after provisioning)."
fi
if [ -z "$(azd env get-value CDP_WEBHOOK_SIGNING_KEY 2>/dev/null || true)" ]; then
  azd env set CDP_WEBHOOK_SIGNING_KEY "$(openssl rand -base64 32)" >/dev/null
  echo "Generated the journey webhook signing key (in Key Vault after provisioning; give it to your receivers)."
fi
if [ -z "$(azd env get-value CDP_MASTER_KEY 2>/dev/null || true)" ]; then
  azd env set CDP_MASTER_KEY "$(openssl rand -base64 32)" >/dev/null
  echo "Generated the master key that wraps each profile's data key (in Key Vault after provisioning)."
fi
if [ -z "$(azd env get-value CDP_WRITE_KEY_SHA256 2>/dev/null || true)" ]; then
  key=$(openssl rand -hex 24)
  azd env set CDP_WRITE_KEY "$key" >/dev/null
  azd env set CDP_WRITE_KEY_SHA256 "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" >/dev/null
  echo "Generated the write key of the first source: azd env get-value CDP_WRITE_KEY"
fi
