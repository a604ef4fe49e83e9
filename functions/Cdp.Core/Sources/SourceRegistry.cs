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
