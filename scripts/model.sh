#!/usr/bin/env bash
# The randomized model tests: identity resolution with concurrent consumers, injected crashes, redelivered batches, on the
# in-memory ports (tests/Cdp.Core.Tests/Identity/IdentityModelTests.cs, 150 samples per property in scripts/test.sh) and
# on SQLite with two consumers on one database (tests/Cdp.Embedded.Tests/Ingest/SqliteIdentityModelTests.cs, 40); and
# the change processor under skipped, duplicated and replayed versions and restarts
# (tests/Cdp.Core.Tests/Segments/ChangeFeedModelTests.cs, 150).
# Usage: scripts/model.sh [iterations per property, default 1000]
source "$(dirname "$0")/common.sh"
cd "$ROOT"
require_dotnet
export CDP_MODEL_ITERATIONS="${1:-1000}"
dotnet test tests/Cdp.Core.Tests -c Release --nologo --filter "FullyQualifiedName~IdentityModelTests|FullyQualifiedName~ChangeFeedModelTests"
dotnet test tests/Cdp.Embedded.Tests -c Release --nologo --filter "FullyQualifiedName~SqliteIdentityModelTests"
