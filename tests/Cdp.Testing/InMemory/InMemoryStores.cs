using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;

namespace Cdp.Testing.InMemory;

/// <summary>
/// The ports in memory, for domain tests and benchmarks: the same contracts as the real adapters (the
/// contract suites run against them too), thread-safe. Profiles are kept as documents (records of immutable
/// parts), so every read builds a fresh <see cref="Profile"/>, as from a real store, without JSON.
/// </summary>
public sealed class InMemoryStores : IIdentityIndex, IProfileStore, IIdentityLedger, IProfileEventStore, IProcessedMessageLog, IDeadLetterStore
{
    private readonly ConcurrentDictionary<string, string> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Version, ProfileDocument Document)> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LedgerEntry> _ledger = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), ProfileEvent> _events = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _processed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DeadLetter> _deadLetters = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    /// <summary>Called before every write with the operation's name (<c>claim</c>, <c>reassign</c>, <c>create</c>, <c>replace</c>, <c>ledger</c>, <c>events</c>, <c>processed</c>); throw from it to inject a crash.</summary>
    public Action<string>? BeforeWrite { get; set; }

    /// <summary>False for benchmarks: the processed-message log then remembers nothing (every message is new).</summary>
    public bool RememberProcessed { get; init; } = true;

    /// <summary>How many writes each operation made.</summary>
    public ConcurrentDictionary<string, int> Writes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Index => _index;

    public IEnumerable<string> ProfileIds => _profiles.Keys;

    public IReadOnlyCollection<DeadLetter> DeadLetters => [.. _deadLetters.Values];

    public Task<string?> FindAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_index.TryGetValue(key, out var owner) ? owner : null);

    public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken)
    {
        Before("claim");
        return Task.FromResult(_index.GetOrAdd(key, profileId));
    }

    public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken)
    {
        Before("reassign");
        lock (_write)
        {
            if (!_index.TryGetValue(key, out var owner) || owner == fromProfileId)
            {
                _index[key] = toProfileId;
                return Task.FromResult(toProfileId);
            }

            return Task.FromResult(owner);
        }
    }

    public Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(_profiles.TryGetValue(profileId, out var stored)
            ? new StoredProfile(Profile.FromDocument(stored.Document), stored.Version.ToString(CultureInfo.InvariantCulture))
            : null);

    public Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
    {
        Before("create");
        return Task.FromResult(_profiles.TryAdd(profile.Id, (1, profile.ToDocument())) ? "1" : null);
    }

    public Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
    {
        Before("replace");
        lock (_write)
        {
            if (!_profiles.TryGetValue(profile.Id, out var stored) || stored.Version.ToString(CultureInfo.InvariantCulture) != versionTag)
            {
                return Task.FromResult<string?>(null);
            }

            _profiles[profile.Id] = (stored.Version + 1, profile.ToDocument());
            return Task.FromResult<string?>((stored.Version + 1).ToString(CultureInfo.InvariantCulture));
        }
    }

    Task IIdentityLedger.AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        Before("ledger");
        foreach (var entry in entries)
        {
            _ledger.TryAdd(entry.Id, entry);
        }

        return Task.CompletedTask;
    }

    Task<IReadOnlyList<LedgerEntry>> IIdentityLedger.ListAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _ledger.Values.Where(e => e.ProfileId == profileId).OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal)]);

    public IReadOnlyCollection<LedgerEntry> LedgerEntries => [.. _ledger.Values];

    Task IProfileEventStore.AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
    {
        Before("events");
        foreach (var item in events)
        {
            _events.TryAdd((item.ProfileId, item.MessageId), item);
        }

        return Task.CompletedTask;
    }

    Task<IReadOnlyList<ProfileEvent>> IProfileEventStore.ListAsync(string profileId, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ProfileEvent>>([.. _events.Values.Where(e => e.ProfileId == profileId).OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.MessageId, StringComparer.Ordinal).Take(max)]);

    Task<IReadOnlySet<string>> IProcessedMessageLog.FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<string>>(keys.Where(_processed.ContainsKey).ToHashSet(StringComparer.Ordinal));

    Task IProcessedMessageLog.AddAsync(IReadOnlyCollection<string> keys, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        Before("processed");
        foreach (var key in RememberProcessed ? keys : [])
        {
            _processed.TryAdd(key, processedAt);
        }

        return Task.CompletedTask;
    }

    Task IDeadLetterStore.AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        _deadLetters.TryAdd(letter.Id, letter);
        return Task.CompletedTask;
    }

    Task<DeadLetter?> IDeadLetterStore.GetAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_deadLetters.TryGetValue(id, out var letter) ? letter : null);

    Task<IReadOnlyList<DeadLetter>> IDeadLetterStore.ListAsync(int maxCount, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DeadLetter>>([.. _deadLetters.Values.OrderBy(l => l.At).ThenBy(l => l.Id, StringComparer.Ordinal).Take(maxCount)]);

    Task IDeadLetterStore.RemoveAsync(string id, CancellationToken cancellationToken)
    {
        _deadLetters.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    private void Before(string operation)
    {
        BeforeWrite?.Invoke(operation);
        Writes.AddOrUpdate(operation, 1, (_, n) => n + 1);
    }
}
