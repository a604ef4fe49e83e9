using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Cdp.Core.Changes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;

namespace Cdp.Testing.InMemory;

/// <summary>
/// The ports in memory, for domain tests and benchmarks: the same contracts as the real adapters (the
/// contract suites run against them too), thread-safe. Profiles are kept as documents (records of immutable
/// parts), so every read builds a fresh <see cref="Profile"/>, as from a real store, without JSON.
/// </summary>
public sealed class InMemoryStores : IIdentityIndex, IProfileStore, IProfileChangeFeed, IProfileCatalog, IIdentityLedger, IProfileEventStore, IProcessedMessageLog, IDeadLetterStore
{
    private readonly ConcurrentDictionary<string, string> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Version, ProfileDocument Document)> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LedgerEntry> _ledger = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), ProfileEvent> _events = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _processed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DeadLetter> _deadLetters = new(StringComparer.Ordinal);
    private readonly List<ProfileChange> _changes = [];
    private readonly ConcurrentDictionary<string, int> _checkpoints = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    /// <summary>Called before every write with the operation's name (<c>claim</c>, <c>reassign</c>, <c>create</c>, <c>replace</c>, <c>delete</c>, <c>ledger</c>, <c>events</c>, <c>processed</c>); throw from it to inject a crash.</summary>
    public Action<string>? BeforeWrite { get; set; }

    /// <summary>Called before every read of the index, the profiles and the processed-message log (a randomized test passes the turn to another consumer here).</summary>
    public Action<string>? BeforeRead { get; set; }

    /// <summary>False for benchmarks: the processed-message log then remembers nothing (every message is new).</summary>
    public bool RememberProcessed { get; init; } = true;

    /// <summary>
    /// When set, a profile whose document's JSON is larger is refused with <see cref="ProfileTooLargeException"/>, as the
    /// real stores refuse one over <see cref="ProfileDocument.MaxStoredBytes"/> (off by default: it serializes every write).
    /// </summary>
    public int? MaxDocumentBytes { get; init; }

    /// <summary>False for benchmarks: the change feed then records nothing.</summary>
    public bool RecordChanges { get; init; } = true;

    /// <summary>When set, every write of the index and profiles is recorded here with its outcome (for a failing randomized test's message).</summary>
    public ConcurrentQueue<string>? Trace { get; init; }

    private static string Short(string text, int length) => text.Length > length ? text[..length] : text;

    /// <summary>The message keys a write adds to the profile's recent messages (applied, absorbed or recalled), for a trace.</summary>
    private static string Remembered(ProfileDocument? before, ProfileDocument after)
    {
        var added = after.RecentKeys.Except(before?.RecentKeys ?? [], StringComparer.Ordinal).ToList();
        return added.Count == 0 ? "" : $" +recent[{string.Join(",", added)}]";
    }

    /// <summary>Records a write (callers build the entry only when <see cref="Trace"/> is set: benchmarks run without it).</summary>
    private void Traced(string entry) => Trace?.Enqueue($"[{Environment.CurrentManagedThreadId}] {entry}");

    /// <summary>How many writes each operation made.</summary>
    public ConcurrentDictionary<string, int> Writes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Index => _index;

    public IEnumerable<string> ProfileIds => _profiles.Keys;

    public IReadOnlyCollection<DeadLetter> DeadLetters => [.. _deadLetters.Values];

    public Task<string?> FindAsync(string key, CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke("find");
        return Task.FromResult(_index.TryGetValue(key, out var owner) ? owner : null);
    }

    public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken)
    {
        Before("claim");
        var owner = _index.GetOrAdd(key, profileId);
        if (Trace is not null)
        {
            Traced($"claim {Short(key, 14)} for {Short(profileId, 6)} -> {Short(owner, 6)}");
        }

        return Task.FromResult(owner);
    }

    public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken)
    {
        Before("reassign");
        lock (_write)
        {
            if (!_index.TryGetValue(key, out var owner) || owner == fromProfileId)
            {
                _index[key] = toProfileId;
                if (Trace is not null)
                {
                    Traced($"reassign {Short(key, 14)} {Short(fromProfileId, 6)} -> {Short(toProfileId, 6)}");
                }

                return Task.FromResult(toProfileId);
            }

            if (Trace is not null)
            {
                Traced($"reassign {Short(key, 14)} {Short(fromProfileId, 6)} -> {Short(toProfileId, 6)} refused (owner {Short(owner, 6)})");
            }

            return Task.FromResult(owner);
        }
    }

    public Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke("get");
        return Task.FromResult(_profiles.TryGetValue(profileId, out var stored)
            ? new StoredProfile(Profile.FromDocument(stored.Document), stored.Version.ToString(CultureInfo.InvariantCulture))
            : null);
    }

    public Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
    {
        Before("create");
        Measure(profile);
        lock (_write)
        {
            var document = profile.ToDocument();
            if (!_profiles.TryAdd(profile.Id, (1, document)))
            {
                if (Trace is not null)
                {
                    Traced($"create {Short(profile.Id, 6)} conflict");
                }

                return Task.FromResult<string?>(null);
            }

            if (Trace is not null)
            {
                Traced($"create {Short(profile.Id, 6)} v1 [{string.Join(",", profile.Identifiers)}] {string.Join(",", document.ChangedPaths ?? [])}{Remembered(null, document)}");
            }

            Record(new ProfileChange(profile.Id, "1", document));
            return Task.FromResult<string?>("1");
        }
    }

    public Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
    {
        Before("replace");
        Measure(profile);
        lock (_write)
        {
            if (!_profiles.TryGetValue(profile.Id, out var stored) || stored.Version.ToString(CultureInfo.InvariantCulture) != versionTag)
            {
                if (Trace is not null)
                {
                    Traced($"replace {Short(profile.Id, 6)} conflict");
                }

                return Task.FromResult<string?>(null);
            }

            var document = profile.ToDocument();
            if (Trace is not null)
            {
                Traced($"replace {Short(profile.Id, 6)} v{stored.Version + 1} [{string.Join(",", profile.Identifiers)}]{(profile.MergedInto is null ? "" : " ->" + Short(profile.MergedInto, 6))} {string.Join(",", document.ChangedPaths ?? [])}{Remembered(stored.Document, document)}");
            }

            var tag = (stored.Version + 1).ToString(CultureInfo.InvariantCulture);
            _profiles[profile.Id] = (stored.Version + 1, document);
            Record(new ProfileChange(profile.Id, tag, document));
            return Task.FromResult<string?>(tag);
        }
    }

    public Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        Before("delete");
        lock (_write)
        {
            var id = stored.Profile.Id;
            if (!_profiles.TryGetValue(id, out var held) || held.Version.ToString(CultureInfo.InvariantCulture) != stored.VersionTag)
            {
                return Task.FromResult(false);
            }

            _profiles.TryRemove(id, out _);
            Record(new ProfileChange(id, (held.Version + 1).ToString(CultureInfo.InvariantCulture), ProfileDocument.Tombstone(id, stored.Profile.Version, deletedAt)));
            return Task.FromResult(true);
        }
    }

    private void Record(ProfileChange change)
    {
        if (RecordChanges)
        {
            _changes.Add(change);
        }
    }

    public Task<ProfilePage> ListAsync(string? position, int max, CancellationToken cancellationToken)
    {
        var ids = _profiles.Keys.Where(id => position is null || string.CompareOrdinal(id, position) > 0).Order(StringComparer.Ordinal).Take(max).ToList();
        var profiles = ids.Select(id => GetAsync(id, cancellationToken).GetAwaiter().GetResult()).OfType<StoredProfile>().ToList();
        return Task.FromResult(new ProfilePage(profiles, ids.Count == max ? ids[^1] : null));
    }

    public Task<ProfileChangeBatch> ReadAsync(string consumer, int maxCount, CancellationToken cancellationToken)
    {
        lock (_write)
        {
            var after = _checkpoints.GetValueOrDefault(consumer);
            var changes = _changes.Skip(after).Take(maxCount).ToList();
            return Task.FromResult(new ProfileChangeBatch(changes, (after + changes.Count).ToString(CultureInfo.InvariantCulture)));
        }
    }

    public Task CheckpointAsync(string consumer, ProfileChangeBatch batch, CancellationToken cancellationToken)
    {
        var position = int.Parse(batch.Position, CultureInfo.InvariantCulture);
        _checkpoints.AddOrUpdate(consumer, position, (_, held) => Math.Max(held, position));
        return Task.CompletedTask;
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

    Task<int> IProfileEventStore.DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(_events.Keys.Where(k => k.Item1 == profileId).Count(k => _events.TryRemove(k, out _)));

    Task<int> IIdentityLedger.DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(_ledger.Values.Where(e => e.ProfileId == profileId).Count(e => _ledger.TryRemove(e.Id, out _)));

    Task<IReadOnlySet<string>> IProcessedMessageLog.FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke("processed");
        return Task.FromResult<IReadOnlySet<string>>(keys.Where(_processed.ContainsKey).ToHashSet(StringComparer.Ordinal));
    }

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

    Task<DeadLetterPage> IDeadLetterStore.ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        var letters = _deadLetters.Values.Where(l => string.CompareOrdinal(l.Id, query.After ?? "") > 0 && query.Matches(l)).OrderBy(l => l.Id, StringComparer.Ordinal).Take(query.Max + 1).ToList();
        return Task.FromResult(letters.Count > query.Max ? new DeadLetterPage(letters[..query.Max], letters[query.Max - 1].Id) : new DeadLetterPage(letters, null));
    }

    Task IDeadLetterStore.RemoveAsync(string id, CancellationToken cancellationToken)
    {
        _deadLetters.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    private void Measure(Profile profile)
    {
        if (MaxDocumentBytes is { } max && JsonSerializer.SerializeToUtf8Bytes(profile.ToDocument(), Cdp.Core.Events.CdpJson.Options).Length is var bytes && bytes > max)
        {
            throw new ProfileTooLargeException(profile.Id, bytes, max);
        }
    }

    private void Before(string operation)
    {
        BeforeWrite?.Invoke(operation);
        Writes.AddOrUpdate(operation, 1, (_, n) => n + 1);
    }
}
