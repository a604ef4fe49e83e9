using System.Text.Json.Nodes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cdp.Embedded.Tests.Ingest;

/// <summary>Ingest over the real embedded adapters.</summary>
public class IngestServiceTests
{
    private static readonly Identifier Anonymous = new("anonymous_id", "a1");
    private static readonly Identifier User = new("user_id", "u1");

    [Fact]
    public async Task ProcessAsync_TrackThenIdentify_LinksBothIdentifiersToOneProfile()
    {
        using var store = new EmbeddedStore();

        await store.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);
        await store.Ingest.ProcessAsync(
            [Messages.Identify("m2", "a1", "u1", new JsonObject { ["email"] = "ada@example.com" }, Messages.T0.AddMinutes(1))],
            CancellationToken.None);

        var byAnonymous = await store.OwnerAsync(Anonymous);
        var byUser = await store.OwnerAsync(User);
        Assert.NotNull(byAnonymous);
        Assert.Equal(byAnonymous, byUser);
        var profile = (await store.Profiles.GetAsync(byUser!, CancellationToken.None))!.Profile;
        Assert.Equal(["anonymous_id:a1", "email:ada@example.com", "user_id:u1"], profile.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("ada@example.com", profile.Traits["email"].Value!.GetValue<string>());
        Assert.Equal("m2", profile.Traits["email"].MessageId);
    }

    [Fact]
    public async Task ProcessAsync_EachProfileWrite_IsTheNextVersion_NamingWhatChanged()
    {
        using var store = new EmbeddedStore();

        await store.Ingest.ProcessAsync([Messages.Identify("m1", "a1", "u1", new JsonObject { ["plan"] = "free" })], CancellationToken.None);
        await store.Ingest.ProcessAsync([Messages.Track("m2", anonymousId: "a1", at: Messages.T0.AddMinutes(1))], CancellationToken.None);
        await store.Ingest.ProcessAsync([Messages.Identify("m3", "a1", "u1", new JsonObject { ["plan"] = "pro" }, Messages.T0.AddMinutes(2))], CancellationToken.None);

        // A new profile is written twice: holding its identifiers (before the index names it), then with the message.
        var changes = (await store.Profiles.ReadAsync("c", 10, CancellationToken.None)).Changes;
        Assert.Equal([1L, 2L, 3L, 4L], changes.Select(c => c.Profile.Version));
        Assert.Equal(["identifiers"], changes[0].Profile.ChangedPaths);
        Assert.Equal(["counters.identify", "traits.plan"], changes[1].Profile.ChangedPaths);
        Assert.Equal(["counters.track", "counters.track:Viewed", "identifiers.seen"], changes[2].Profile.ChangedPaths);
        Assert.Equal(["counters.identify", "identifiers.seen", "traits.plan"], changes[3].Profile.ChangedPaths);
    }

    [Fact]
    public async Task ProcessAsync_ReplayedBatch_ChangesNothing()
    {
        using var store = new EmbeddedStore();
        var batch = new[]
        {
            Messages.Track("m1", anonymousId: "a1"),
            Messages.Identify("m2", "a1", "u1", new JsonObject { ["plan"] = "pro" }),
        };
        await store.Ingest.ProcessAsync(batch, CancellationToken.None);
        var before = (await store.Profiles.ReadAsync("c", 100, CancellationToken.None)).Changes.Count;

        var replay = await store.Ingest.ProcessAsync(batch, CancellationToken.None);

        Assert.Equal(0, replay.ProfilesChanged);
        Assert.Equal(before, (await store.Profiles.ReadAsync("c", 100, CancellationToken.None)).Changes.Count);
    }

    [Fact]
    public async Task ProcessAsync_CrashAfterClaimBeforeProfileWrite_ReplayCompletesSameProfile()
    {
        using var store = new EmbeddedStore();
        var message = Messages.Track("m1", anonymousId: "a1");
        // The claim landed, the profile write did not (a crash in between).
        var profileId = await store.Identities.ClaimAsync(store.Rules.KeyOf(Anonymous), IdentityResolver.NewProfileId("m1"), CancellationToken.None);

        await store.Ingest.ProcessAsync([message], CancellationToken.None);

        var profile = (await store.Profiles.GetAsync(profileId, CancellationToken.None))!.Profile;
        Assert.Equal([Anonymous], profile.Identifiers.Select(i => i.Identifier));
    }

    [Fact]
    public async Task ProcessAsync_NewPerson_ProfileIdDependsOnlyOnMessage()
    {
        using var one = new EmbeddedStore();
        using var two = new EmbeddedStore();

        await one.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);
        await two.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);

        Assert.Equal(
            await one.OwnerAsync(Anonymous),
            await two.OwnerAsync(Anonymous));
    }

    [Fact]
    public async Task ProcessAsync_OlderTraitArrivesLate_NewerValueStays()
    {
        using var store = new EmbeddedStore();

        await store.Ingest.ProcessAsync([Messages.Identify("m2", null, "u1", new JsonObject { ["plan"] = "pro" }, Messages.T0.AddHours(1))], CancellationToken.None);
        await store.Ingest.ProcessAsync([Messages.Identify("m1", null, "u1", new JsonObject { ["plan"] = "free" }, Messages.T0)], CancellationToken.None);

        var profileId = await store.OwnerAsync(User);
        var profile = (await store.Profiles.GetAsync(profileId!, CancellationToken.None))!.Profile;
        Assert.Equal("pro", profile.Traits["plan"].Value!.GetValue<string>());
    }

    [Fact]
    public async Task ProcessAsync_IdentifiersOfTwoProfiles_MergesIntoTheOlder_OverSqlite()
    {
        using var store = new EmbeddedStore();
        await store.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);
        await store.Ingest.ProcessAsync([Messages.Track("m2", userId: "u1", at: Messages.T0.AddMinutes(1))], CancellationToken.None);
        var anonymousProfile = await store.OwnerAsync(Anonymous);
        var userProfile = await store.OwnerAsync(User);

        await store.Ingest.ProcessAsync([Messages.Identify("m3", "a1", "u1", new JsonObject { ["plan"] = "pro" }, Messages.T0.AddMinutes(2))], CancellationToken.None);

        Assert.Equal(anonymousProfile, await store.OwnerAsync(User));
        var survivor = (await store.Profiles.GetAsync(anonymousProfile!, CancellationToken.None))!.Profile;
        Assert.Equal([Anonymous, User], survivor.Identifiers.Select(i => i.Identifier));
        Assert.True(survivor.Traits.ContainsKey("plan"));
        Assert.Equal(3, survivor.Counters.Where(c => !c.Key.Contains(':', StringComparison.Ordinal)).Sum(c => c.Value.Count));
        Assert.Equal(anonymousProfile, (await store.Profiles.GetAsync(userProfile!, CancellationToken.None))!.Profile.MergedInto);
        var view = (await store.Reader.GetAsync(userProfile!, CancellationToken.None))!;
        Assert.Equal((anonymousProfile, userProfile), (view.Id, view.RedirectedFrom));
        Assert.Equal(["m3", "m2", "m1"], (await store.Reader.EventsAsync(userProfile!, 10, CancellationToken.None))!.Select(e => e.MessageId));
        Assert.Contains(await store.Ledger.ListAsync(anonymousProfile!, CancellationToken.None), e => e.Kind == LedgerEntry.Merge && e.OtherProfileId == userProfile && e.MessageId == "m3");
    }

    [Fact]
    public async Task ProcessAsync_NewProfileLosesEveryClaimToAConcurrentOne_JoinsTheWinner()
    {
        using var store = new EmbeddedStore();
        await store.Identities.ClaimAsync(store.Rules.KeyOf(Anonymous), "p_winner", CancellationToken.None);
        var ingest = store.IngestWith(new StaleFirstRead(store.Identities));
        var message = Messages.Track("m1", anonymousId: "a1");

        await ingest.ProcessAsync([message], CancellationToken.None);

        Assert.Equal([Anonymous], (await store.Profiles.GetAsync("p_winner", CancellationToken.None))!.Profile.Identifiers.Select(i => i.Identifier));
        // The profile it started holds nothing: it let go of the identifier it lost, and the message went to the winner.
        var lost = (await store.Profiles.GetAsync(IdentityResolver.NewProfileId("m1"), CancellationToken.None))!.Profile;
        Assert.Empty(lost.Identifiers);
        Assert.Empty(lost.Counters);
    }

    [Fact]
    public async Task ProcessAsync_SameMessageThreeTimes_AppliedOnce()
    {
        using var store = new EmbeddedStore();
        var message = Messages.Identify("m1", "a1", "u1", new JsonObject { ["plan"] = "pro" }) with { SourceId = "web" };

        var summaries = new List<IngestSummary>();
        for (var i = 0; i < 3; i++)
        {
            summaries.Add(await store.Ingest.ProcessAsync([message], CancellationToken.None));
        }

        Assert.Equal([1, 0, 0], summaries.Select(s => s.ProfilesChanged));
        Assert.Equal([0, 1, 1], summaries.Select(s => s.Duplicates));
        Assert.Equal(2, (await store.Profiles.ReadAsync("c", 100, CancellationToken.None)).Changes.Count); // its identifiers, then the message
    }

    [Fact]
    public async Task ProcessAsync_RedeliveredBatch_EveryMessageIsARepeat()
    {
        using var store = new EmbeddedStore();
        var batch = Enumerable.Range(0, 5).Select(i => Messages.Track($"m{i}", anonymousId: $"a{i}") with { SourceId = "web" }).ToList();
        await store.Ingest.ProcessAsync(batch, CancellationToken.None);

        var again = await store.Ingest.ProcessAsync(batch, CancellationToken.None);

        Assert.Equal((5, 0), (again.Duplicates, again.ProfilesChanged));
    }

    [Fact]
    public async Task ProcessAsync_SameMessageTwiceInOneBatch_AppliedOnce()
    {
        using var store = new EmbeddedStore();
        var message = Messages.Track("m1", anonymousId: "a1") with { SourceId = "web" };

        var summary = await store.Ingest.ProcessAsync([message, message], CancellationToken.None);

        Assert.Equal((1, 1), (summary.ProfilesChanged, summary.Duplicates));
    }

    [Fact]
    public async Task ProcessAsync_ManyMessagesOfOneNewProfile_ItsIdentifiersThenOneWrite()
    {
        using var store = new EmbeddedStore();
        var batch = Enumerable.Range(0, 20)
            .Select(i => Messages.Identify($"m{i}", "a1", "u1", new JsonObject { [$"t{i}"] = i }, Messages.T0.AddSeconds(i)) with { SourceId = "web" })
            .ToList();

        var summary = await store.Ingest.ProcessAsync(batch, CancellationToken.None);

        Assert.Equal(1, summary.ProfilesChanged);
        var changes = (await store.Profiles.ReadAsync("c", 100, CancellationToken.None)).Changes;
        Assert.Equal(2, changes.Count);
        Assert.Empty(changes[0].Profile.Traits);
        var change = changes[1];
        Assert.Equal(20, change.Profile.Traits.Count);
        Assert.Equal(Messages.T0, change.Profile.CreatedAt);
        Assert.Equal(Messages.T0.AddSeconds(19), change.Profile.UpdatedAt);
    }

    [Fact]
    public async Task ProcessAsync_ProfileChangedByAnotherWriterBeforeTheSave_ReloadsAndKeepsBothChanges()
    {
        using var store = new EmbeddedStore();
        await store.Ingest.ProcessAsync([Messages.Identify("m0", "a1", "u1", new JsonObject { ["plan"] = "free" })], CancellationToken.None);
        var profileId = (await store.OwnerAsync(User))!;
        var racing = new RacingProfileStore(store.Profiles, async () =>
        {
            var other = (await store.Profiles.GetAsync(profileId, CancellationToken.None))!;
            other.Profile.SetTrait("name", new Trait(JsonValue.Create("Ada"), Messages.T0.AddMinutes(1), "other"), store.Policy);
            await store.Profiles.TryReplaceAsync(other.Profile, other.VersionTag, CancellationToken.None);
        });
        var resolver = new IdentityResolver(store.Rules, store.Policy, store.Identities, racing, store.Ledger, NullLogger<IdentityResolver>.Instance);
        var ingest = new IngestService(resolver, store.Policy, store.Ledger, store.Events, store.Processed, store.DeadLetters, store.Time, NullLogger<IngestService>.Instance);

        await ingest.ProcessAsync([Messages.Identify("m1", "a1", "u1", new JsonObject { ["plan"] = "pro" }, Messages.T0.AddMinutes(2))], CancellationToken.None);

        var profile = (await store.Profiles.GetAsync(profileId, CancellationToken.None))!.Profile;
        Assert.Equal("pro", profile.Traits["plan"].Value!.GetValue<string>());
        Assert.Equal("Ada", profile.Traits["name"].Value!.GetValue<string>());
        Assert.Equal(1, racing.Races);
    }

    [Fact]
    public async Task ProcessAsync_SameMessageIdFromAnotherSource_IsNotARepeat()
    {
        using var store = new EmbeddedStore();
        await store.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1") with { SourceId = "web" }], CancellationToken.None);

        var other = await store.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a2") with { SourceId = "ios" }], CancellationToken.None);

        Assert.Equal((0, 1), (other.Duplicates, other.ProfilesChanged));
    }

    [Fact]
    public async Task ProcessAsync_UnprocessableMessage_BecomesOneDeadLetter_TheBatchGoesOn()
    {
        using var store = new EmbeddedStore();
        var bad = Messages.Track("m-bad") with { SourceId = "web" };
        var batch = new[] { bad, Messages.Track("m-ok", anonymousId: "a1") with { SourceId = "web" } };

        var summary = await store.Ingest.ProcessAsync(batch, CancellationToken.None);
        await store.Ingest.ProcessAsync([bad with { MessageId = "m-bad" }], CancellationToken.None);

        Assert.Equal((1, 1), (summary.DeadLettered, summary.ProfilesChanged));
        var letter = Assert.Single(await store.DeadLetters.ListAsync(10, CancellationToken.None));
        Assert.Equal((DeadLetter.IngestStage, "m-bad", "web"), (letter.Stage, letter.MessageId, letter.SourceId));
        Assert.Contains("no usable identifier", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLetteredInIngest_FixedAndReplayed_IsAppliedNotSkippedAsARepeat()
    {
        using var store = new EmbeddedStore(partitions: 1);
        using var sources = Cdp.Testing.TestDomain.Sources([]);
        await store.Ingest.ProcessAsync([Messages.Track("m-bad") with { SourceId = "web" }], CancellationToken.None);
        var letter = Assert.Single(await store.DeadLetters.ListAsync(10, CancellationToken.None));
        var fixedMessage = System.Text.Json.Nodes.JsonNode.Parse(letter.Body)!.AsObject();
        fixedMessage["anonymousId"] = "a-fixed";

        var replay = await store.Collect(sources).ReplayAsync(letter, fixedMessage.ToJsonString(), CancellationToken.None);
        var summary = await store.Ingest.ProcessAsync((await store.Log.ReadAsync("t", 0, 10, CancellationToken.None)).Messages, CancellationToken.None);

        Assert.Equal(Core.Collect.CollectOutcome.Accepted, replay.Outcome);
        Assert.Equal((1, 0), (summary.ProfilesChanged, summary.Duplicates));
        Assert.NotNull(await store.OwnerAsync(new Identifier("anonymous_id", "a-fixed")));
        Assert.Empty(await store.DeadLetters.ListAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task DeadLetteredInIngest_ReplayWithAnUnreadableBody_StaysNamingTheBody()
    {
        using var store = new EmbeddedStore();
        using var sources = Cdp.Testing.TestDomain.Sources([]);
        await store.Ingest.ProcessJsonAsync(["{not json"], CancellationToken.None);
        var letter = Assert.Single(await store.DeadLetters.ListAsync(10, CancellationToken.None));

        var replay = await store.Collect(sources).ReplayAsync(letter, null, CancellationToken.None);

        Assert.Equal(["body"], replay.Errors.Keys);
        Assert.Single(await store.DeadLetters.ListAsync(10, CancellationToken.None));
    }

    /// <summary>Drives a rare race: another writer changes the profile just before the first replace.</summary>
    private sealed class RacingProfileStore(IProfileStore inner, Func<Task> race) : IProfileStore
    {
        public int Races { get; private set; }

        public Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken) => inner.GetAsync(profileId, cancellationToken);

        public Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken) => inner.TryCreateAsync(profile, cancellationToken);

        public async Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
        {
            if (Races == 0)
            {
                Races++;
                await race();
            }

            return await inner.TryReplaceAsync(profile, versionTag, cancellationToken);
        }

        public Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken) => inner.TryDeleteAsync(stored, deletedAt, cancellationToken);
    }

    /// <summary>Drives a rare race: the first lookup misses an identifier that another consumer has just claimed.</summary>
    private sealed class StaleFirstRead(IIdentityIndex inner) : IIdentityIndex
    {
        private bool _stale = true;

        public Task<string?> FindAsync(string key, CancellationToken cancellationToken)
        {
            if (_stale)
            {
                _stale = false;
                return Task.FromResult<string?>(null);
            }

            return inner.FindAsync(key, cancellationToken);
        }

        public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken) =>
            inner.ClaimAsync(key, profileId, cancellationToken);

        public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken) =>
            inner.ReassignAsync(key, fromProfileId, toProfileId, cancellationToken);
    }
}
