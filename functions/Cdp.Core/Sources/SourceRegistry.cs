using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Sources;

/// <summary>
/// The sources: those in configuration (<c>Cdp:Sources</c>) and those created over the API (<see cref="ISourceStore"/>,
/// read again every <see cref="RefreshAfter"/> and at once after a change on this host). Finds a source by its write key
/// (compared by SHA-256, so only hashes are held) and applies its request limit (a token bucket per source). A
/// configured source wins over a stored one with its id or key. When the store cannot be read, the sources last read
/// stay in use (configured ones always work).
/// </summary>
public sealed class SourceRegistry : IDisposable
{
    /// <summary>How long a source created, changed or deleted on another instance may take to count here.</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<SourceDefinition> _configured;
    private readonly Catalog _configuredOnly;
    private readonly Refreshing<Catalog> _catalog;
    private readonly ConcurrentDictionary<string, Limiter> _limiters = new(StringComparer.Ordinal);
    private readonly ILogger<SourceRegistry> _logger;

    public SourceRegistry(IOptions<SourceOptions> options, ISourceStore store, TimeProvider time, ILogger<SourceRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        _configured = [.. options.Value.Sources];
        _configuredOnly = new Catalog(_configured, []);
        _logger = logger;
        _catalog = new Refreshing<Catalog>(ct => LoadAsync(store, ct), RefreshAfter, time);
    }

    /// <summary>Whether <paramref name="sourceId"/> is a configured source (changed in configuration, not over the API).</summary>
    public bool IsConfigured(string sourceId) => _configuredOnly.ById.ContainsKey(sourceId);

    /// <summary>The source whose write key this is, or null.</summary>
    public async ValueTask<SourceDefinition?> FindByWriteKeyAsync(string? writeKey, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(writeKey) ? null : (await CurrentAsync(cancellationToken)).ByKeyHash.GetValueOrDefault(HashWriteKey(writeKey));

    public async ValueTask<SourceDefinition?> FindAsync(string sourceId, CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).ById.GetValueOrDefault(sourceId);

    /// <summary>Every source as the admin API shows it, by id: its settings and where it is kept, never its key's hash.</summary>
    public async Task<IReadOnlyList<SourceView>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await CurrentAsync(cancellationToken)).ById.Values.OrderBy(s => s.Id, StringComparer.Ordinal).Select(ViewOf)];

    /// <summary>A source as the admin API shows it.</summary>
    public SourceView ViewOf(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new SourceView(
            source.Id, source.Name, source.Binding == BindingMode.Early ? "early" : "late", source.Confidence, source.RequestsPerSecond, source.Burst,
            source.RequiredPurpose, source.MaxEventAgeDays, source.MaxEventAheadMinutes, source.DropBots, IsConfigured(source.Id) ? "configuration" : "api", source.Transform);
    }

    /// <summary>
    /// The confidence of a source's values (its <c>confidence</c>; 1 when unknown), from the sources last read: ingest
    /// calls <see cref="RefreshAsync"/> before a batch, so it is at most <see cref="RefreshAfter"/> old.
    /// </summary>
    public double ConfidenceOf(string? sourceId) =>
        sourceId is not null && (_catalog.Last ?? _configuredOnly).ById.TryGetValue(sourceId, out var source) ? source.Confidence : 1.0;

    /// <summary>Reads the stored sources again when the last read is older than <see cref="RefreshAfter"/>.</summary>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken) => await CurrentAsync(cancellationToken);

    /// <summary>Makes the next look-up read the store again (after a change on this host).</summary>
    public void Invalidate() => _catalog.Invalidate();

    /// <summary>Takes one request from the source's allowance; null when allowed, else how long to wait.</summary>
    public TimeSpan? TryAcquire(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var limiter = _limiters.AddOrUpdate(
            source.Id,
            static (_, s) => new Limiter(s.RequestsPerSecond, s.Burst),
            static (_, held, s) => held.RequestsPerSecond == s.RequestsPerSecond && held.Burst == s.Burst ? held : new Limiter(s.RequestsPerSecond, s.Burst),
            source);
        using var lease = limiter.Bucket.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <summary>The SHA-256 of a write key, lower-case hex: what configuration and the store hold.</summary>
    public static string HashWriteKey(string writeKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(writeKey)));

    /// <summary>A new write key: 32 random bytes, base64url (43 characters).</summary>
    public static string NewWriteKey() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public void Dispose()
    {
        _catalog.Dispose();
        foreach (var limiter in _limiters.Values)
        {
            limiter.Bucket.Dispose();
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private ValueTask<Catalog> CurrentAsync(CancellationToken cancellationToken) => _catalog.CurrentAsync(cancellationToken);

    /// <summary>
    /// Reads the stored sources; when that fails after a first read, keeps the sources last read for another
    /// <see cref="RefreshAfter"/> (a store outage does not stop collection). A first read that fails throws: the request
    /// fails with a server error, which clients retry (a 401 would make them drop the events).
    /// </summary>
    private async Task<Catalog> LoadAsync(ISourceStore store, CancellationToken cancellationToken)
    {
        try
        {
            return new Catalog(_configured, await store.ListAsync(cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException && _catalog.Last is { } last)
        {
            Logs.SourcesUnreadable(_logger, e);
            return last;
        }
    }

    /// <summary>Sources by key hash and by id; a stored source whose id or key a configured one has is left out.</summary>
    private sealed class Catalog
    {
        public Catalog(IReadOnlyList<SourceDefinition> configured, IReadOnlyList<SourceDefinition> stored)
        {
            var ids = configured.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var keys = configured.Select(s => s.WriteKeySha256.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            var all = configured.Concat(stored.Where(s => !ids.Contains(s.Id) && !keys.Contains(s.WriteKeySha256.ToLowerInvariant()))).ToList();
            ByKeyHash = all.DistinctBy(s => s.WriteKeySha256.ToLowerInvariant()).ToFrozenDictionary(s => s.WriteKeySha256.ToLowerInvariant(), StringComparer.Ordinal);
            ById = all.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        }

        public FrozenDictionary<string, SourceDefinition> ByKeyHash { get; }

        public FrozenDictionary<string, SourceDefinition> ById { get; }
    }

    private sealed class Limiter(int requestsPerSecond, int burst)
    {
        public int RequestsPerSecond => requestsPerSecond;

        public int Burst => burst;

        public TokenBucketRateLimiter Bucket { get; } = new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = requestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}

/// <summary>
/// A source as <c>GET /api/sources</c> shows it: what it is, the limits it runs under (<see cref="SourceDefinition"/>)
/// and where it is kept (<c>configuration</c>, or <c>api</c> for one created over the API); the write key is never
/// shown (only its SHA-256 is held), except once in the reply that creates it (<see cref="SourceKeyReply"/>).
/// </summary>
public sealed record SourceView(
    string Id,
    string Name,
    string Binding,
    double Confidence,
    int RequestsPerSecond,
    int Burst,
    string? RequiredPurpose,
    int MaxEventAgeDays,
    int MaxEventAheadMinutes,
    bool DropBots,
    string Origin,
    IReadOnlyList<TransformStep> Transform);
