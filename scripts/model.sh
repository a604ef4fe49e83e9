#!/usr/bin/env bash
# The randomized model tests of identity resolution (tests/Cdp.Core.Tests/Identity/IdentityModelTests.cs): concurrent
# consumers, injected crashes, redelivered batches, with more samples than scripts/test.sh runs (150 per property).
# Usage: scripts/model.sh [iterations per property, default 1000]
source "$(dirname "$0")/common.sh"
cd "$ROOT"
require_dotnet
export CDP_MODEL_ITERATIONS="${1:-1000}"
dotnet test tests/Cdp.Core.Tests -c Release --nologo --filter "FullyQualifiedName~IdentityModelTests"
