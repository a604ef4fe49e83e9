using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing.Contracts;

namespace Cdp.Embedded.Tests.Sqlite;

public sealed class SqliteIdentityIndexContractTests : IdentityIndexContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IIdentityIndex Index => _store.Identities;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteProfileStoreContractTests : ProfileStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IProfileStore Store => _store.Profiles;

    public void Dispose() => _store.Dispose();
}
