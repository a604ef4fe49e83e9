#!/usr/bin/env bash
# Builds and lints infra/main.bicep with the Bicep CLI restored from NuGet; fails on any warning or error.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet restore scripts/tools/bicep/Bicep.Tools.csproj --nologo -v quiet >/dev/null
package_dir=$(dotnet msbuild scripts/tools/bicep/Bicep.Tools.csproj -nologo -getProperty:PkgAzure_Bicep_CommandLine_linux-x64)
bicep="$package_dir/tools/bicep"
[ -x "$bicep" ] || chmod +x "$bicep"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for action in build lint; do
  args=("$action" infra/main.bicep)
  [ "$action" = build ] && args+=(--outdir "$out")
  if ! "$bicep" "${args[@]}" >"$out/$action.log" 2>&1; then status=1; fi
  cat "$out/$action.log"
  if grep -Eq '(Warning|Error) ' "$out/$action.log"; then status=1; fi
done

if [ "$status" -ne 0 ]; then
  echo "bicep: infra/main.bicep has warnings or errors (see above)." >&2
  exit 1
fi
echo "bicep: infra/main.bicep builds and lints clean ($("$bicep" --version))."
