using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Sources;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cdp.Testing;

/// <summary>The domain services wired for tests: fixed hash key, default rules unless changed.</summary>
public static class TestDomain
{
    /// <summary>A fixed test key (32 bytes in base64); never a real deployment's.</summary>
    public const string HashKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE=";

    public static IdentityRules Rules(Action<IdentityOptions>? configure = null)
    {
        var options = new IdentityOptions { HashKey = HashKey };
        configure?.Invoke(options);
        return new IdentityRules(Options.Create(options));
    }

    public static MergePolicy Policy(Action<MergePolicyOptions>? configure = null, params SourceDefinition[] sources)
    {
        var options = new MergePolicyOptions();
        configure?.Invoke(options);
        return new MergePolicy(Options.Create(options), Sources(sources));
    }

    /// <summary>A source registry with these configured sources and <paramref name="store"/> (empty, in memory, when absent) for those created over the API.</summary>
    public static SourceRegistry Sources(SourceDefinition[] configured, ISourceStore? store = null, TimeProvider? time = null)
    {
        var options = new SourceOptions();
        options.Sources.AddRange(configured);
        return new SourceRegistry(Options.Create(options), store ?? new InMemorySourceStore(), time ?? TimeProvider.System, NullLogger<SourceRegistry>.Instance);
    }

    /// <summary>Ingest over <paramref name="stores"/> (every port in memory), with the given rules and policy.</summary>
    public static IngestService Ingest(InMemoryStores stores, IdentityRules? rules = null, MergePolicy? policy = null, TimeProvider? time = null, Core.Consents.ConsentOptions? consent = null)
    {
        ArgumentNullException.ThrowIfNull(stores);
        policy ??= Policy();
        return new IngestService(
            Resolver(stores, rules, policy), policy, stores, stores, stores, stores, time ?? TimeProvider.System, NullLogger<IngestService>.Instance, Options.Create(consent ?? new Core.Consents.ConsentOptions()));
    }

    public static IdentityResolver Resolver(InMemoryStores stores, IdentityRules? rules = null, MergePolicy? policy = null) =>
        new(rules ?? Rules(), policy ?? Policy(), stores, stores, stores, NullLogger<IdentityResolver>.Instance);

    public static ProfileReader Reader(InMemoryStores stores, IdentityRules? rules = null) =>
        new(rules ?? Rules(), stores, stores, stores, stores);
}
