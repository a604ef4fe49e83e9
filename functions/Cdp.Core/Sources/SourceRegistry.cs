using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Sources;

/// <summary>
/// The configured sources: finds a source by its write key (compared by SHA-256, so only hashes are held)
/// and applies its request limit (a token bucket per source).
/// </summary>
public sealed class SourceRegistry : IDisposable
{
    private readonly FrozenDictionary<string, SourceDefinition> _byKeyHash;
    private readonly FrozenDictionary<string, SourceDefinition> _byId;
    private readonly FrozenDictionary<string, TokenBucketRateLimiter> _limiters;

    public SourceRegistry(IOptions<SourceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sources = options.Value.Sources;
        _byKeyHash = sources.ToFrozenDictionary(s => s.WriteKeySha256.ToLowerInvariant(), StringComparer.Ordinal);
        _byId = sources.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _limiters = sources.ToFrozenDictionary(
            s => s.Id,
            s => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = s.Burst,
                TokensPerPeriod = s.RequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }),
            StringComparer.Ordinal);
    }

    /// <summary>The source whose write key this is, or null.</summary>
    public SourceDefinition? FindByWriteKey(string? writeKey) =>
        string.IsNullOrEmpty(writeKey) ? null : _byKeyHash.GetValueOrDefault(HashWriteKey(writeKey));

    public SourceDefinition? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Every source as the admin API shows it, by id: its settings, never its key's hash.</summary>
    public IReadOnlyList<SourceView> List() =>
        [.. _byId.Values.OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => new SourceView(
            s.Id, s.Name, s.Binding == BindingMode.Early ? "early" : "late", s.Confidence, s.RequestsPerSecond, s.Burst, s.RequiredPurpose, s.MaxEventAgeDays, s.MaxEventAheadMinutes, s.DropBots))];

    /// <summary>Takes one request from the source's allowance; null when allowed, else how long to wait.</summary>
    public TimeSpan? TryAcquire(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var lease = _limiters[source.Id].AttemptAcquire();
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <summary>The SHA-256 of a write key, lower-case hex: what configuration holds.</summary>
    public static string HashWriteKey(string writeKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(writeKey)));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}

/// <summary>
/// A source as <c>GET /api/sources</c> shows it: what it is and the limits it runs under (<see cref="SourceDefinition"/>);
/// the write key is never shown (only its SHA-256 is held, in configuration).
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
    bool DropBots);
