#!/usr/bin/env bash
# The randomized model tests of identity resolution (tests/Cdp.Core.Tests/Identity/IdentityModelTests.cs): concurrent
# consumers, injected crashes, redelivered batches, longer than scripts/test.sh runs them, and the one not in it yet.
# Usage: scripts/model.sh [iterations per property, default 150]
source "$(dirname "$0")/common.sh"
cd "$ROOT"
require_dotnet
export CDP_MODEL_ITERATIONS="${1:-150}"
dotnet test tests/Cdp.Core.Tests -c Release --nologo --filter "FullyQualifiedName~IdentityModelTests"
