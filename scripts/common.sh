# Shared by the scripts: repository root, quiet .NET CLI, and installs of what the machine may lack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# apt_install PACKAGE...: installs Debian packages when a command is missing (the scripts run as root on CI).
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$@"
}

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is required (https://dot.net); install it and run this script again." >&2
    exit 1
  fi
}

require_node() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: installing Node.js and npm from Debian's packages." >&2
    apt_install nodejs npm
  fi
}

# npm_ci_when_changed DIR: npm ci in DIR (its package-lock.json pins everything), again only when the lock file changed
# since the last install there.
npm_ci_when_changed() {
  require_node
  if [ ! -d "$1/node_modules" ] || ! cmp -s "$1/package-lock.json" "$1/node_modules/.package-lock.json.src" 2>/dev/null; then
    npm ci --prefix "$1" --no-audit --no-fund --loglevel=error
    cp "$1/package-lock.json" "$1/node_modules/.package-lock.json.src"
  fi
}

# install_node_tools: the Cosmos DB stand-in and Azurite from npm into scripts/tools/node.
install_node_tools() {
  npm_ci_when_changed "$ROOT/scripts/tools/node"
}

# build_console: the web console (console/, Preact + TypeScript) built by Vite into console/dist, which Cdp.Local copies
# into its output and serves at /.
build_console() {
  npm_ci_when_changed "$ROOT/console"
  npm run build --prefix "$ROOT/console" --silent >/dev/null
}

# install_chromium: Debian's Chromium for the console's browser tests (Playwright drives it; it cannot download its own).
install_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}
