using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Segments;

/// <summary>Segments over the change feed, in memory: what is evaluated, what is written, what is recorded, and when.</summary>
public sealed class SegmentEvaluationTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private readonly SegmentPipeline _pipeline;
    private readonly FakeTimeProvider _time;
    private readonly InMemoryStores _stores;
    private readonly InMemorySegments _segments;
    private readonly SegmentService _service;
    private readonly SegmentEvaluator _evaluator;
    private readonly IngestService _ingest;
    private Counting _counting = null!;

    public SegmentEvaluationTests()
    {
        _pipeline = new SegmentPipeline(T0, stores => _counting = new Counting(stores));
        (_time, _stores, _segments, _service, _evaluator, _ingest) = (_pipeline.Time, _pipeline.Stores, _pipeline.Segments, _pipeline.Service, _pipeline.Evaluator, _pipeline.Ingest);
    }

    public void Dispose() => _pipeline.Dispose();

    private async Task DefineAsync(string id, string rule)
    {
        var saved = await _service.PutAsync(id, new SegmentRequest(id, rule), CancellationToken.None);
        Assert.Empty(saved.Errors);
    }

    /// <summary>Ingests a message for user <paramref name="user"/> now, then runs the change feed until it is quiet.</summary>
    private Task SendAsync(string user, string type = "identify", JsonObject? traits = null, string? @event = null, JsonObject? context = null) =>
        _pipeline.SendAsync(user, traits, type == "track" ? @event : null, context);

    private Task FeedAsync() => _pipeline.FeedAsync();

    private Task<Profile> ProfileOfAsync(string user) => _pipeline.ProfileOfAsync(user);

    [Fact]
    public async Task EnteringAndLeaving_IsWrittenOnTheProfile_AndRecordedOnce()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");

        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        var profile = await ProfileOfAsync("ada");
        Assert.Equal(T0, profile.Segments["pro"].Since);
        var entered = Assert.Single(_segments.Transitions);
        Assert.Equal((SegmentTransitionKind.Entered, profile.Id, T0), (entered.Kind, entered.ProfileId, entered.At));
        Assert.Equal(1, await _segments.CountMembersAsync("pro", CancellationToken.None));

        _time.Advance(TimeSpan.FromHours(1));
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "free" });

        Assert.Empty((await ProfileOfAsync("ada")).Segments);
        Assert.Equal([SegmentTransitionKind.Entered, SegmentTransitionKind.Exited], _segments.Transitions.Select(t => t.Kind));
        Assert.Equal(0, await _segments.CountMembersAsync("pro", CancellationToken.None));
    }

    [Fact]
    public async Task ConsentFromSegmentsConsentContext_EntersAndLeaves_AndADenialAtTheSameInstantWinsAMerge()
    {
        await DefineAsync("emailable", "consent(\"marketing_email\") && hasTrait(\"email\")");
        JsonObject Consent(bool granted) => new() { ["consent"] = new JsonObject { ["categoryPreferences"] = new JsonObject { ["marketing_email"] = granted } } };

        await SendAsync("ada", traits: new JsonObject { ["email"] = "ada@example.com" }, context: Consent(true));
        var profile = await ProfileOfAsync("ada");
        Assert.True(profile.Consents["marketing_email"].Granted);
        Assert.True(profile.Segments.ContainsKey("emailable"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync("ada", context: Consent(false));
        Assert.False((await ProfileOfAsync("ada")).Consents["marketing_email"].Granted);
        Assert.False((await ProfileOfAsync("ada")).Segments.ContainsKey("emailable"));

        var merged = new Profile("p_x", T0);
        merged.SetConsent("analytics", new ProfileConsent(true, T0, "m-a"));
        var survivor = new Profile("p_y", T0);
        survivor.SetConsent("analytics", new ProfileConsent(false, T0, "m-b"));
        survivor.Absorb(merged, TestDomain.Policy());
        Assert.False(survivor.Consents["analytics"].Granted);
    }

    [Fact]
    public async Task AWriteRacingTheEvaluator_IsReadBack_AndTheMembershipWrittenOnTheNewerProfile()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        _counting.BeforeReplace = () => _ingest.ProcessAsync([Identify("m-race", T0, userId: "ada") with { Traits = new JsonObject { ["city"] = "Lyon" } }], CancellationToken.None);

        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });

        var profile = await ProfileOfAsync("ada");
        Assert.True(profile.Segments.ContainsKey("pro"));
        Assert.True(profile.Traits.ContainsKey("city"));
        Assert.Equal(2, _counting.Replaces);
        Assert.Single(_segments.Transitions);
    }

    [Fact]
    public async Task ATraitNoRuleReads_EvaluatesNothing_AndWritesNothing()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        var writes = _counting.Replaces;

        await SendAsync("ada", traits: new JsonObject { ["shoeSize"] = 42 });
        await SendAsync("ada", "track", @event: "Viewed");

        Assert.Equal(writes, _counting.Replaces);
        Assert.Equal(0, _counting.EvaluationReads);
        Assert.Single(_segments.Transitions);
    }

    [Fact]
    public async Task RedeliveredChanges_WriteAndRecordNothingNew()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        var version = (await ProfileOfAsync("ada")).Version;

        // The whole feed again, from the start, to a fresh processor (a restarted host).
        var again = new ProfileChangeProcessor([_evaluator], NullLogger<ProfileChangeProcessor>.Instance);
        var all = await _stores.ReadAsync("replay", 1000, CancellationToken.None);
        await again.ProcessAsync(all.Changes, new ProfileChangeContext(null!), CancellationToken.None);
        await again.ProcessAsync(all.Changes, new ProfileChangeContext(null!), CancellationToken.None);

        Assert.Equal(version, (await ProfileOfAsync("ada")).Version);
        Assert.Single(_segments.Transitions);
        Assert.Equal(1, await _segments.CountMembersAsync("pro", CancellationToken.None));
    }

    [Fact]
    public async Task ChainedSegments_FollowTheSegmentTheyRead_InOneWrite()
    {
        await DefineAsync("buyer", "count(\"Order Completed\") >= 1");
        await DefineAsync("loyal", "inSegment(\"buyer\") && count(\"Order Completed\") >= 2");
        await DefineAsync("prospect", "!inSegment(\"buyer\")");
        await SendAsync("ada");
        Assert.Equal(["prospect"], (await ProfileOfAsync("ada")).Segments.Keys);

        var writes = _counting.Replaces;
        await SendAsync("ada", "track", @event: "Order Completed");
        Assert.Equal(["buyer"], (await ProfileOfAsync("ada")).Segments.Keys);
        Assert.Equal(writes + 1, _counting.Replaces); // one write for both flips

        await SendAsync("ada", "track", @event: "Order Completed");
        Assert.Equal(["buyer", "loyal"], (await ProfileOfAsync("ada")).Segments.Keys);
    }

    [Fact]
    public async Task NoPurchaseFor30Days_EntersAtTheInstant_NotBefore_AndLeavesWhenAPurchaseArrives()
    {
        await DefineAsync("lapsed", "olderThan(lastSeen(\"Order Completed\"), 30)");
        await SendAsync("ada", "track", @event: "Order Completed");
        var turns = T0.AddDays(30);
        Assert.Equal(turns, Assert.Single(_segments.Scheduled).At);

        _time.SetUtcNow(turns.AddSeconds(-1));
        Assert.Equal(0, await _evaluator.RunDueAsync(_time.GetUtcNow(), 100, CancellationToken.None));
        Assert.Empty((await ProfileOfAsync("ada")).Segments);

        _time.SetUtcNow(turns);
        Assert.Equal(1, await _evaluator.RunDueAsync(_time.GetUtcNow(), 100, CancellationToken.None));
        await FeedAsync();
        Assert.Equal(turns, (await ProfileOfAsync("ada")).Segments["lapsed"].Since);
        Assert.Equal((SegmentTransitionKind.Entered, turns), (_segments.Transitions.Single().Kind, _segments.Transitions.Single().At));
        Assert.Empty(_segments.Scheduled);

        _time.Advance(TimeSpan.FromDays(3));
        await SendAsync("ada", "track", @event: "Order Completed");
        Assert.Empty((await ProfileOfAsync("ada")).Segments);
        Assert.Equal(SegmentTransitionKind.Exited, _segments.Transitions.Last().Kind);
        Assert.Equal(_time.GetUtcNow().AddDays(30), _segments.Scheduled.Last().At);
    }

    [Fact]
    public async Task ANewSegment_IsBackfilledOverExistingProfiles_Resumably()
    {
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        await SendAsync("bob", traits: new JsonObject { ["plan"] = "free" });
        await SendAsync("cyd", traits: new JsonObject { ["plan"] = "pro" });
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");

        var progress = Assert.Single(await _service.PendingBackfillsAsync(CancellationToken.None)).Backfill!;
        progress = await _evaluator.BackfillAsync(progress, "pro", _stores, 2, CancellationToken.None);
        Assert.Equal((2L, false), (progress.Processed, progress.Done));
        await _service.SaveBackfillAsync("pro", progress, CancellationToken.None);
        progress = (await _service.GetAsync("pro", CancellationToken.None))!.Segment.Backfill!;
        progress = await _evaluator.BackfillAsync(progress, "pro", _stores, 2, CancellationToken.None);
        await _service.SaveBackfillAsync("pro", progress, CancellationToken.None);
        await FeedAsync();

        Assert.Equal((3L, true), (progress.Processed, progress.Done));
        Assert.Empty(await _service.PendingBackfillsAsync(CancellationToken.None));
        Assert.Equal(2, (await _service.GetAsync("pro", CancellationToken.None))!.Members);
    }

    [Fact]
    public async Task BackfillJob_WorksOnlyTheCurrentVersion_AndStopsWhenDone()
    {
        var jobs = new SegmentJobs(_evaluator, _service, _stores, _time);
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");

        Assert.Null(await jobs.BackfillPageAsync("pro", 2, CancellationToken.None));
        var progress = await jobs.BackfillPageAsync("pro", 1, CancellationToken.None);
        Assert.Equal((1L, true), (progress!.Processed, progress.Done));
        Assert.Null(await jobs.BackfillPageAsync("pro", 1, CancellationToken.None));
        Assert.Empty(await jobs.PendingBackfillsAsync(CancellationToken.None));
        Assert.Null(await jobs.BackfillPageAsync("ghost", 1, CancellationToken.None));
    }

    /// <summary>
    /// Issue 17, item 7: an instance whose catalog was loaded before the segment was saved does not mark a page done
    /// without evaluating it: it reloads its catalog, and evaluates with the version being back-filled.
    /// </summary>
    [Fact]
    public async Task BackfillJob_OnAnInstanceWithAStaleCatalog_EvaluatesThePage_WithTheVersionBeingBackfilled()
    {
        using var staleCatalog = new SegmentCatalog(_segments, _time, NullLogger<SegmentCatalog>.Instance);
        var other = new SegmentEvaluator(staleCatalog, _stores, _segments, _segments, _time, NullLogger<SegmentEvaluator>.Instance);
        Assert.Empty((await staleCatalog.CurrentAsync(CancellationToken.None)).Ordered); // loaded before the segment exists
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");

        var progress = await new SegmentJobs(other, _service, _stores, _time).BackfillPageAsync("pro", 1, CancellationToken.None);
        await FeedAsync();

        Assert.Equal((1L, true), (progress!.Processed, progress.Done));
        Assert.Equal(1, (await _service.GetAsync("pro", CancellationToken.None))!.Members);
    }

    [Fact]
    public async Task DeletingASegment_TakesItsMembersOut_RecordingExits_ThenRemovesIt_NotWhileAnotherReadsIt()
    {
        var jobs = new SegmentJobs(_evaluator, _service, _stores, _time);
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await DefineAsync("fans", "inSegment(\"pro\")");
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        Assert.Equal(["fans", "pro"], (await ProfileOfAsync("ada")).Segments.Keys);

        Assert.Equal(["fans"], (await _service.DeleteAsync("pro", CancellationToken.None)).ReadBy);
        Assert.Equal(SegmentStatus.Active, (await _service.GetAsync("pro", CancellationToken.None))!.Segment.Status);

        var fans = (await _service.DeleteAsync("fans", CancellationToken.None)).Segment!;
        Assert.Equal((SegmentStatus.Deleting, 2L), (fans.Status, fans.Version));
        Assert.True((await jobs.BackfillPageAsync("fans", 2, CancellationToken.None))!.Done);
        await FeedAsync();

        Assert.Null(await _service.GetAsync("fans", CancellationToken.None));
        Assert.Equal(["pro"], (await ProfileOfAsync("ada")).Segments.Keys);
        Assert.Equal(SegmentTransitionKind.Exited, _segments.Transitions.Last(t => t.SegmentId == "fans").Kind);
        Assert.Equal(0, await _segments.CountMembersAsync("fans", CancellationToken.None));
        Assert.Null((await _service.DeleteAsync("fans", CancellationToken.None)).Segment);
    }

    [Fact]
    public async Task AMergedAwayProfile_LeavesItsSegments_TheSurvivorIsEvaluated()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro" });
        var merged = await ProfileOfAsync("ada");
        await _ingest.ProcessAsync([Identify("m-old", T0.AddDays(-1), anonymousId: "device-1")], CancellationToken.None);
        await _ingest.ProcessAsync([Identify("m-both", T0.AddMinutes(5), anonymousId: "device-1", userId: "ada")], CancellationToken.None);
        await FeedAsync();

        var survivor = await ProfileOfAsync("ada");
        Assert.NotEqual(merged.Id, survivor.Id);
        Assert.Empty((await _stores.GetAsync(merged.Id, CancellationToken.None))!.Profile.Segments);
        Assert.True(survivor.Segments.ContainsKey("pro"));
        Assert.Equal(1, await _segments.CountMembersAsync("pro", CancellationToken.None));
    }

    [Theory]
    [InlineData("nope", "text(\"plan\") == 1", "rule")]
    [InlineData("nope", "inSegment(\"ghost\")", "rule")]
    [InlineData("bad id!", "flag(\"vip\")", "id")]
    public async Task InvalidSegments_AreRefused_NamingTheField(string id, string rule, string field)
    {
        var saved = await _service.PutAsync(id, new SegmentRequest("A segment", rule), CancellationToken.None);

        Assert.Null(saved.Segment);
        Assert.Contains(field, saved.Errors.Keys);
    }

    [Fact]
    public async Task AFeedThatSkipsVersions_LosesNoEntryNorExit()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await SendAsync("ada", traits: new JsonObject { ["plan"] = "free" });

        // The trait and a later track are written before the feed reads: only the track's version is delivered.
        await _pipeline.IngestAsync("ada", new JsonObject { ["plan"] = "pro" });
        await _pipeline.IngestAsync("ada", @event: "Visited");
        await _pipeline.FeedLatestOnlyAsync();
        Assert.True((await ProfileOfAsync("ada")).Segments.ContainsKey("pro"));

        // The evaluator's write (segments.pro) is followed by another track before the feed reads: the entry is still recorded.
        await _pipeline.IngestAsync("ada", @event: "Visited");
        await _pipeline.FeedLatestOnlyAsync();
        var entered = Assert.Single(_segments.Transitions);
        Assert.Equal((SegmentTransitionKind.Entered, T0), (entered.Kind, entered.At));

        // Leaving the same way: the exit is decided on the state and recorded from the remembered exit.
        _time.Advance(TimeSpan.FromHours(1));
        await _pipeline.IngestAsync("ada", new JsonObject { ["plan"] = "free" });
        await _pipeline.IngestAsync("ada", @event: "Visited");
        await _pipeline.FeedLatestOnlyAsync();
        await _pipeline.IngestAsync("ada", @event: "Visited");
        await _pipeline.FeedLatestOnlyAsync();
        await FeedAsync();

        Assert.Empty((await ProfileOfAsync("ada")).Segments);
        Assert.Equal([(SegmentTransitionKind.Entered, T0), (SegmentTransitionKind.Exited, T0.AddHours(1))], _segments.Transitions.Select(t => (t.Kind, t.At)));
        Assert.Equal(0, await _segments.CountMembersAsync("pro", CancellationToken.None));
    }

    [Theory]
    [InlineData("deleting")]
    [InlineData("Deleting")]
    [InlineData("7")]
    [InlineData("2")]
    [InlineData("")]
    public async Task AStatusAClientMayNotSet_IsRefused_NamingStatus(string status)
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");

        var saved = await _service.PutAsync("pro", new SegmentRequest("pro", "text(\"plan\") == \"pro\"", Status: status), CancellationToken.None);

        Assert.Null(saved.Segment);
        Assert.Equal(["status"], saved.Errors.Keys);
        Assert.Equal(SegmentStatus.Active, (await _service.GetAsync("pro", CancellationToken.None))!.Segment.Status);
    }

    [Fact]
    public async Task ARuleThatThrows_MarksItsSegmentFailing_AndTheProfilesOtherSegmentsGoOn()
    {
        // StartsWith(null) throws for every value: the save-time checks cannot know every such case.
        await DefineAsync("broken", "text(\"plan\").StartsWith(null)");
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        await DefineAsync("vip", "inSegment(\"broken\") || flag(\"vip\")");

        await SendAsync("ada", traits: new JsonObject { ["plan"] = "pro", ["ltv"] = 5, ["vip"] = true });
        _time.Advance(SegmentFailures.FlushInterval);
        await SendAsync("bob", traits: new JsonObject { ["plan"] = "pro", ["ltv"] = 7 });

        Assert.Equal(["pro", "vip"], (await ProfileOfAsync("ada")).Segments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["pro"], (await ProfileOfAsync("bob")).Segments.Keys);
        var failing = (await _service.GetAsync("broken", CancellationToken.None))!.Segment.Failing!;
        // Each person's profile is evaluated twice (written with its identifiers, then its traits). Written: ada's first
        // failure at once, her second with bob's first when the interval had passed; bob's second waits for the next write.
        Assert.Equal((1L, 3L, T0, T0 + SegmentFailures.FlushInterval), (failing.Version, failing.Count, failing.FirstAt, failing.LastAt));
        Assert.StartsWith("ArgumentNullException", failing.Error, StringComparison.Ordinal);
        Assert.Null((await _service.GetAsync("pro", CancellationToken.None))!.Segment.Failing);

        // A rename keeps what failed; a fixed rule (a new version) starts clean and is back-filled.
        var renamed = await _service.PutAsync("broken", new SegmentRequest("renamed", "text(\"plan\").StartsWith(null)"), CancellationToken.None);
        Assert.Equal(3, renamed.Segment!.Failing!.Count);
        await DefineAsync("broken", "number(\"ltv\") > 6");
        Assert.Null((await _service.GetAsync("broken", CancellationToken.None))!.Segment.Failing);
    }

    [Fact]
    public async Task ACycleBetweenSegments_IsRefused_ShowingIt()
    {
        await DefineAsync("a", "flag(\"x\")");
        await DefineAsync("b", "inSegment(\"a\")");

        var saved = await _service.PutAsync("a", new SegmentRequest("a", "inSegment(\"b\")"), CancellationToken.None);

        Assert.Contains("a -> b -> a", Assert.Single(saved.Errors["rule"]), StringComparison.Ordinal);
        var self = await _service.PutAsync("c", new SegmentRequest("c", "inSegment(\"c\")"), CancellationToken.None);
        Assert.Contains("c -> c", Assert.Single(self.Errors["rule"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangingTheRule_MakesANewVersion_WithItsOwnBackfill_ARenameDoesNot()
    {
        await DefineAsync("pro", "text(\"plan\") == \"pro\"");
        var renamed = await _service.PutAsync("pro", new SegmentRequest("Pro customers", "text(\"plan\") == \"pro\""), CancellationToken.None);
        var changed = await _service.PutAsync("pro", new SegmentRequest("Pro customers", "text(\"plan\") == \"team\""), CancellationToken.None);

        Assert.Equal((1L, false), (renamed.Segment!.Version, renamed.Created));
        Assert.Equal(2L, changed.Segment!.Version);
        Assert.Equal(new SegmentBackfill(2, null, 0, false), changed.Segment.Backfill);
    }

    private static Message Identify(string id, DateTimeOffset at, string? anonymousId = null, string? userId = null) => new()
    {
        MessageId = id,
        Type = MessageType.Identify,
        SourceId = "web",
        UserId = userId,
        AnonymousId = anonymousId,
        Traits = [],
        Timestamp = at,
        ReceivedAt = at,
    };

    /// <summary>The profile store as the evaluator sees it, counting its writes and reads.</summary>
    private sealed class Counting(InMemoryStores inner) : IProfileStore
    {
        public int Replaces { get; private set; }

        public int EvaluationReads { get; private set; }

        /// <summary>Runs once, before the evaluator's next replace (another writer getting there first).</summary>
        public Func<Task>? BeforeReplace { get; set; }

        public Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
        {
            EvaluationReads++;
            return inner.GetAsync(profileId, cancellationToken);
        }

        public Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken) => inner.TryCreateAsync(profile, cancellationToken);

        public async Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
        {
            Replaces++;
            if (BeforeReplace is { } race)
            {
                BeforeReplace = null;
                await race();
            }

            return await inner.TryReplaceAsync(profile, versionTag, cancellationToken);
        }

        public Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken) => inner.TryDeleteAsync(stored, deletedAt, cancellationToken);
    }
}
