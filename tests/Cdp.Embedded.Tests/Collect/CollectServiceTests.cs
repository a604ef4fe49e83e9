using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core.Collect;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Sources;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded.Tests.Collect;

/// <summary>The collection API's one implementation, over the real embedded log and dead-letter store.</summary>
public sealed class CollectServiceTests : IDisposable
{
    private const string WriteKey = "wk-web";
    private readonly EmbeddedStore _store = new(partitions: 1);
    private readonly SourceRegistry _sources;

    public CollectServiceTests() => _sources = Sources(new SourceDefinition { Id = "web", WriteKeySha256 = SourceRegistry.HashWriteKey(WriteKey) });

    private CollectService Collect => _store.Collect(_sources);

    private static SourceRegistry Sources(params SourceDefinition[] sources) => Cdp.Testing.TestDomain.Sources(sources);

    private static CollectRequest Request(string json, MessageType? type, string? writeKey = WriteKey) =>
        new(Encoding.UTF8.GetBytes(json), type, writeKey);

    private async Task<IReadOnlyList<Message>> PublishedAsync() =>
        (await _store.Log.ReadAsync("test", 0, 1000, CancellationToken.None)).Messages;

    [Fact]
    public async Task Single_WithBasicAuthKey_IsStampedAndPublished()
    {
        var result = await Collect.CollectAsync(Request("""{"anonymousId":"a1","event":"Viewed"}""", MessageType.Track), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, result.Outcome);
        var message = Assert.Single(await PublishedAsync());
        Assert.Equal("web", message.SourceId);
        Assert.Equal(_store.Time.GetUtcNow(), message.ReceivedAt);
        Assert.Equal(_store.Time.GetUtcNow(), message.Timestamp);
        Assert.True(Guid.TryParse(message.MessageId, out _));
    }

    [Fact]
    public async Task Single_WriteKeyInBody_IsAccepted()
    {
        var result = await Collect.CollectAsync(Request($$$"""{"writeKey":"{{{WriteKey}}}","userId":"u1","traits":{"plan":"pro"}}""", MessageType.Identify, writeKey: null), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, result.Outcome);
        Assert.Equal("web", Assert.Single(await PublishedAsync()).SourceId);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData(null)]
    public async Task UnknownOrMissingKey_Unauthorized_NothingKept(string? key)
    {
        var result = await Collect.CollectAsync(Request("""{"userId":"u1"}""", MessageType.Identify, key), CancellationToken.None);

        Assert.Equal(CollectOutcome.Unauthorized, result.Outcome);
        Assert.Empty(await PublishedAsync());
        Assert.Empty(await _store.DeadLetters.ListAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task OverTheSourceLimit_RateLimitedWithRetryAfter()
    {
        using var sources = Sources(new SourceDefinition { Id = "web", WriteKeySha256 = SourceRegistry.HashWriteKey(WriteKey), Burst = 2, RequestsPerSecond = 1 });
        var collect = _store.Collect(sources);

        // Burst 2 and 1 per second: of 6 quick requests, 2 or 3 fit (one more token may arrive meanwhile).
        var results = new List<CollectResult>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await collect.CollectAsync(Request("""{"userId":"u1"}""", MessageType.Identify), CancellationToken.None));
        }

        Assert.Equal([CollectOutcome.Accepted, CollectOutcome.Accepted], results.Take(2).Select(r => r.Outcome));
        var limited = results.Where(r => r.Outcome == CollectOutcome.RateLimited).ToList();
        Assert.InRange(limited.Count, 3, 4);
        Assert.All(limited, r => Assert.True(r.RetryAfter > TimeSpan.Zero));
        Assert.Equal(6 - limited.Count, (await PublishedAsync()).Count);
    }

    [Fact]
    public async Task ClientClockAnHourAhead_TimestampIsCorrected_OriginalKept()
    {
        var now = _store.Time.GetUtcNow();
        var clientNow = now.AddHours(1);
        var json = $$$"""{"userId":"u1","event":"Paid","timestamp":"{{{clientNow.AddSeconds(-30):O}}}","sentAt":"{{{clientNow:O}}}"}""";

        await Collect.CollectAsync(Request(json, MessageType.Track), CancellationToken.None);

        var message = Assert.Single(await PublishedAsync());
        Assert.Equal(now.AddSeconds(-30), message.Timestamp);
        Assert.Equal(clientNow.AddSeconds(-30), message.OriginalTimestamp);
    }

    [Fact]
    public async Task Batch_EveryTypeWithEnvelopeContextAndSentAt_IsAccepted()
    {
        var now = _store.Time.GetUtcNow();
        var json = $$$"""
            {"writeKey":"{{{WriteKey}}}","sentAt":"{{{now.AddMinutes(10):O}}}","context":{"library":{"name":"analytics-node"},"locale":"fr"},
             "batch":[
              {"type":"identify","userId":"u1","traits":{"email":"ada@example.com"}},
              {"type":"track","userId":"u1","event":"Signed Up","timestamp":"{{{now.AddMinutes(9):O}}}","context":{"locale":"en"}},
              {"type":"page","anonymousId":"a1","name":"Home"},
              {"type":"screen","anonymousId":"a1","name":"Settings"},
              {"type":"group","userId":"u1","groupId":"acme","traits":{"name":"Acme"}},
              {"type":"alias","userId":"u1","previousId":"a1"}]}
            """;

        var result = await Collect.CollectAsync(Request(json, null, writeKey: null), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, result.Outcome);
        var published = await PublishedAsync();
        Assert.Equal([MessageType.Identify, MessageType.Track, MessageType.Page, MessageType.Screen, MessageType.Group, MessageType.Alias], published.Select(m => m.Type));
        Assert.All(published, m => Assert.Equal("analytics-node", m.Context!["library"]!["name"]!.GetValue<string>()));
        Assert.Equal("en", published[1].Context!["locale"]!.GetValue<string>());
        Assert.Equal("fr", published[0].Context!["locale"]!.GetValue<string>());
        Assert.Equal(now.AddMinutes(-1), published[1].Timestamp);
        Assert.Equal("Home", published[2].Name);
        Assert.Equal("acme", published[4].GroupId);
        Assert.Equal("a1", published[5].PreviousId);
    }

    [Fact]
    public async Task Batch_MixedValidAndInvalid_AcceptsValid_KeepsEachInvalidAsDeadLetter()
    {
        var json = """
            {"batch":[
              {"type":"track","userId":"u1","event":"Ok"},
              {"type":"track","userId":"u1"},
              {"type":"group","userId":"u1"},
              {"type":"alias","previousId":"a1"},
              {"type":"teleport","userId":"u1"},
              7]}
            """;

        var result = await Collect.CollectAsync(Request(json, null), CancellationToken.None);

        Assert.Equal(CollectOutcome.Invalid, result.Outcome);
        Assert.Equal("Ok", Assert.Single(await PublishedAsync()).Event);
        Assert.Equal(
            new[] { "batch[1].event", "batch[2].groupId", "batch[3].userId", "batch[4].type", "batch[5]" },
            result.Errors.Keys.Order(StringComparer.Ordinal));
        var letters = await _store.DeadLetters.ListAsync(10, CancellationToken.None);
        Assert.Equal(5, letters.Count);
        Assert.Equal(result.DeadLetterIds.Order(StringComparer.Ordinal), letters.Select(l => l.Id).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.Equal(("web", DeadLetter.CollectStage), (l.SourceId, l.Stage)));
        Assert.Contains(letters, l => l.Reason.Contains("batch[1].event", StringComparison.Ordinal) && l.Body.Contains("\"type\":\"track\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SingleInvalid_KeptWithoutTheWriteKey_ThenReplayedAfterAFix()
    {
        var result = await Collect.CollectAsync(Request($$$"""{"writeKey":"{{{WriteKey}}}","userId":"u1"}""", MessageType.Track, writeKey: null), CancellationToken.None);
        var letter = (await _store.DeadLetters.GetAsync(Assert.Single(result.DeadLetterIds), CancellationToken.None))!;

        Assert.DoesNotContain(WriteKey, letter.Body, StringComparison.Ordinal);
        var unchanged = await Collect.ReplayAsync(letter, null, CancellationToken.None);
        Assert.Equal(CollectOutcome.Invalid, unchanged.Outcome);
        Assert.NotNull(await _store.DeadLetters.GetAsync(letter.Id, CancellationToken.None));

        var fixedBody = JsonNode.Parse(letter.Body)!.AsObject();
        fixedBody["event"] = "Fixed";
        var replayed = await Collect.ReplayAsync(letter, fixedBody.ToJsonString(), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, replayed.Outcome);
        Assert.Equal("Fixed", Assert.Single(await PublishedAsync()).Event);
        Assert.Null(await _store.DeadLetters.GetAsync(letter.Id, CancellationToken.None));
    }

    [Fact]
    public async Task MalformedJson_WithBasicAuth_IsKept_WithoutAuth_IsNot()
    {
        var kept = await Collect.CollectAsync(Request("""{"userId":""", MessageType.Identify), CancellationToken.None);
        var notKept = await Collect.CollectAsync(Request("""{"userId":""", MessageType.Identify, writeKey: null), CancellationToken.None);

        Assert.Equal(CollectOutcome.Invalid, kept.Outcome);
        Assert.Contains("body", kept.Errors.Keys);
        Assert.Single(kept.DeadLetterIds);
        Assert.Equal(CollectOutcome.Invalid, notKept.Outcome);
        Assert.Empty(notKept.DeadLetterIds);
        Assert.Single(await _store.DeadLetters.ListAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task MessageOver32KbInBatch_IsRefusedAndKept()
    {
        var big = new string('x', MessageReader.MaxMessageBytes);
        var result = await Collect.CollectAsync(Request($$$"""{"batch":[{"type":"track","userId":"u","event":"E","properties":{"p":"{{{big}}}"}}]}""", null), CancellationToken.None);

        Assert.Equal(["batch[0]"], result.Errors.Keys);
        Assert.Single(result.DeadLetterIds);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true)]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0)", true)]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0", true)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15", false)]
    public async Task KnownCrawler_IsDroppedAndCounted(string userAgent, bool dropped)
    {
        var result = await Collect.CollectAsync(Request($$$"""{"anonymousId":"a1","event":"Viewed","context":{"userAgent":"{{{userAgent}}}"}}""", MessageType.Track), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, result.Outcome);
        Assert.Equal(dropped ? 1 : 0, result.BotsDropped);
        Assert.Equal(dropped ? 0 : 1, (await PublishedAsync()).Count);
    }

    [Fact]
    public async Task KnownCrawler_SourceKeepsBots_IsAccepted()
    {
        using var sources = Sources(new SourceDefinition { Id = "web", WriteKeySha256 = SourceRegistry.HashWriteKey(WriteKey), DropBots = false });

        var result = await _store.Collect(sources).CollectAsync(Request("""{"anonymousId":"a1","event":"V","context":{"userAgent":"Googlebot/2.1"}}""", MessageType.Track), CancellationToken.None);

        Assert.Equal(0, result.BotsDropped);
        Assert.Single(await PublishedAsync());
    }

    [Fact]
    public async Task ASourceThatRequiresAPurpose_CollectsOnlyMessagesThatGrantIt_AndCountsTheRest()
    {
        using var sources = Sources(new SourceDefinition { Id = "web", WriteKeySha256 = SourceRegistry.HashWriteKey(WriteKey), RequiredPurpose = "analytics" });

        var result = await _store.Collect(sources).CollectAsync(
            Request(
                """
                {"batch":[
                  {"type":"track","anonymousId":"a1","event":"Granted","context":{"consent":{"categoryPreferences":{"analytics":true}}}},
                  {"type":"track","anonymousId":"a1","event":"Silent"},
                  {"type":"track","anonymousId":"a1","event":"Denied","context":{"consent":{"categoryPreferences":{"analytics":false}}}},
                  {"type":"track","anonymousId":"a1","event":"Consent Updated","properties":{"purpose":"analytics","granted":false}}]}
                """,
                null),
            CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, result.Outcome);
        Assert.Equal(2, result.Withheld);
        Assert.Equal(["Granted", "Consent Updated"], (await PublishedAsync()).Select(m => m.Event));
    }

    private Task<TracardiTrackResult> TrackAsync(string session, string? token = null, string events = """[{"type":"visit"}]""", string writeKey = WriteKey) =>
        Collect.CollectTracardiAsync(
            Encoding.UTF8.GetBytes($$$"""{"source":{"id":"{{{writeKey}}}"},"session":{"id":"{{{session}}}"}{{{(token is null ? "" : $",\"profile\":{{\"id\":\"{token}\"}}")}}},"events":{{{events}}}}"""),
            CancellationToken.None);

    private async Task IngestPublishedAsync()
    {
        var read = await _store.Log.ReadAsync("test", 0, 1000, CancellationToken.None);
        await _store.Ingest.ProcessAsync(read.Messages, CancellationToken.None);
        await _store.Log.CheckpointAsync("test", read, CancellationToken.None);
    }

    [Fact]
    public async Task Tracardi_EventsBecomeTracks_AndTheReplyIsATokenForTheSession()
    {
        var json = $$$"""
            {"source":{"id":"{{{WriteKey}}}"},"session":{"id":"s1"},"context":{"page":{"url":"https://shop.example/"}},
             "events":[{"type":"product-viewed","properties":{"sku":"A1"}},{"type":"added-to-cart","properties":{"sku":"A1"},"options":{"saveEvent":true}}]}
            """;

        var tracked = await Collect.CollectTracardiAsync(Encoding.UTF8.GetBytes(json), CancellationToken.None);
        var published = await PublishedAsync();

        Assert.Equal(CollectOutcome.Accepted, tracked.Result.Outcome);
        Assert.Equal(["product-viewed", "added-to-cart"], published.Select(m => m.Event));
        Assert.All(published, m => Assert.Equal(("s1", "s1", "https://shop.example/"), (m.AnonymousId, m.Context!["sessionId"]!.GetValue<string>(), m.Context!["page"]!["url"]!.GetValue<string>())));
        Assert.True(published[1].Integrations!["saveEvent"]!.GetValue<bool>());
        Assert.StartsWith("pt_", tracked.ProfileId, StringComparison.Ordinal);
        Assert.Equal(tracked.ProfileId, (await TrackAsync("s1")).ProfileId);
        Assert.NotEqual(tracked.ProfileId, (await TrackAsync("s2")).ProfileId);
    }

    [Fact]
    public async Task Tracardi_TheTokenFromAReply_KeepsANewSessionOnTheSameVisitor()
    {
        var first = await TrackAsync("s1");
        await IngestPublishedAsync();

        var second = await TrackAsync("s2", first.ProfileId);
        var published = Assert.Single(await PublishedAsync(), m => m.Context!["sessionId"]!.GetValue<string>() == "s2");
        await IngestPublishedAsync();

        Assert.Equal(first.ProfileId, second.ProfileId);
        Assert.Equal("s1", published.AnonymousId);
        var profileId = await _store.OwnerAsync(new Identifier("anonymous_id", "s1"));
        var profile = (await _store.Profiles.GetAsync(profileId!, CancellationToken.None))!.Profile;
        Assert.Equal(["anonymous_id:s1"], profile.Identifiers.Select(i => i.ToString()));
        Assert.Equal(2, profile.Counters["track"].Count);
    }

    [Fact]
    public async Task Tracardi_AnotherPersonsProfileId_DoesNotAttachTheSession()
    {
        // A customer known by user id and email; the write key is public, and profile ids are not secrets.
        await Collect.CollectAsync(Request("""{"userId":"victim","traits":{"email":"victim@example.com"}}""", MessageType.Identify), CancellationToken.None);
        await IngestPublishedAsync();
        var victim = (await _store.OwnerAsync(new Identifier("user_id", "victim")))!;

        var tracked = await TrackAsync("attacker-session", victim, """[{"type":"visit","context":{"traits":{"email":"attacker@example.com"}}}]""");
        await IngestPublishedAsync();

        Assert.Equal(CollectOutcome.Accepted, tracked.Result.Outcome);
        Assert.NotEqual(victim, tracked.ProfileId);
        Assert.NotEqual(victim, await _store.OwnerAsync(new Identifier("anonymous_id", "attacker-session")));
        Assert.NotEqual(victim, await _store.OwnerAsync(new Identifier("email", "attacker@example.com")));
        var profile = (await _store.Profiles.GetAsync(victim, CancellationToken.None))!.Profile;
        Assert.Equal(["email:victim@example.com", "user_id:victim"], profile.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Tracardi_TheReply_DoesNotTellWhetherAnEmailBelongsToACustomer()
    {
        await Collect.CollectAsync(Request("""{"userId":"customer","traits":{"email":"known@example.com"}}""", MessageType.Identify), CancellationToken.None);
        await IngestPublishedAsync();
        var customer = (await _store.OwnerAsync(new Identifier("user_id", "customer")))!;

        var known = await TrackAsync("probe", events: """[{"type":"visit","context":{"traits":{"email":"known@example.com"}}}]""");
        var unknown = await TrackAsync("probe", events: """[{"type":"visit","context":{"traits":{"email":"nobody@example.com"}}}]""");

        Assert.Equal(known.ProfileId, unknown.ProfileId);
        Assert.NotEqual(customer, known.ProfileId);
    }

    [Theory]
    [InlineData("other-source")]
    [InlineData("tampered")]
    [InlineData("legacy")]
    public async Task Tracardi_ATokenThisSourceDidNotIssueForTheSession_IsIgnored(string kind)
    {
        using var sources = Sources(
            new SourceDefinition { Id = "web", WriteKeySha256 = SourceRegistry.HashWriteKey(WriteKey) },
            new SourceDefinition { Id = "app", WriteKeySha256 = SourceRegistry.HashWriteKey("wk-app") });
        var collect = _store.Collect(sources);
        var issued = (await collect.CollectTracardiAsync(Encoding.UTF8.GetBytes("""{"source":{"id":"wk-app"},"session":{"id":"s1"},"events":[{"type":"visit"}]}"""), CancellationToken.None)).ProfileId!;
        var token = kind switch
        {
            "other-source" => issued,
            "tampered" => (await collect.CollectTracardiAsync(Encoding.UTF8.GetBytes($$$"""{"source":{"id":"{{{WriteKey}}}"},"session":{"id":"s1"},"events":[{"type":"visit"}]}"""), CancellationToken.None)).ProfileId![..^4] + "AAAA",
            _ => IdentityResolver.NewProfileId("m1"),
        };

        var tracked = await collect.CollectTracardiAsync(Encoding.UTF8.GetBytes($$$"""{"source":{"id":"{{{WriteKey}}}"},"session":{"id":"s2"},"profile":{"id":"{{{token}}}"},"events":[{"type":"visit"}]}"""), CancellationToken.None);

        Assert.Equal(CollectOutcome.Accepted, tracked.Result.Outcome);
        Assert.Equal("s2", (await PublishedAsync())[^1].AnonymousId);
        Assert.Equal((await TrackAsync("s2")).ProfileId, tracked.ProfileId);
    }

    [Fact]
    public async Task Tracardi_MissingSessionAndEvents_NamesBoth()
    {
        var tracked = await Collect.CollectTracardiAsync(Encoding.UTF8.GetBytes($$$"""{"source":{"id":"{{{WriteKey}}}"}}"""), CancellationToken.None);

        Assert.Equal(CollectOutcome.Invalid, tracked.Result.Outcome);
        Assert.Equal(["events", "session.id"], tracked.Result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    public void Dispose()
    {
        _sources.Dispose();
        _store.Dispose();
    }

    /// <summary>Issue 20: a source's transformation runs at intake, on Segment- and Tracardi-shaped messages alike; what it refuses is a dead letter kept as sent.</summary>
    [Fact]
    public async Task ASourcesTransformation_ShapesSegmentAndTracardiMessages_FiltersAndKeepsRefusedOnesAsSent()
    {
        var transform = new List<TransformStep>
        {
            new() { Op = "dropIf", Path = "event", In = ["Heartbeat"] },
            new() { Op = "copy", From = "properties.email", To = "traits.email" },
            new() { Op = "lowercase", Path = "traits.email" },
            new() { Op = "coerce", Path = "properties.price", To = "number" },
            new() { Op = "set", Path = "properties.channel", Value = "shop" },
        };
        using var sources = Sources(new SourceDefinition { Id = "shop", WriteKeySha256 = SourceRegistry.HashWriteKey("shop-key"), Transform = transform });
        var collect = _store.Collect(sources);

        var result = await collect.CollectAsync(Request("""
            {"batch":[
              {"type":"track","userId":"u1","event":"Bought","properties":{"email":"Ada@Example.com","price":"9.5"}},
              {"type":"track","userId":"u1","event":"Heartbeat"},
              {"type":"track","userId":"u1","event":"Bought","properties":{"price":"cheap"}}
            ]}
            """, null, "shop-key"), CancellationToken.None);
        var tracardi = await collect.CollectTracardiAsync(Encoding.UTF8.GetBytes("""
            {"source":{"id":"shop-key"},"session":{"id":"s-1"},"events":[{"type":"Viewed","properties":{"email":"BOB@example.com","price":"3"}}]}
            """), CancellationToken.None);

        Assert.Equal(["batch[2]"], result.Errors.Keys);
        Assert.Contains("transform[3]: properties.price (\"cheap\") is not a number", result.Errors["batch[2]"][0], StringComparison.Ordinal);
        Assert.Equal((1, 1), (result.Accepted.Count, result.Filtered));
        var published = await PublishedAsync();
        Assert.Equal(2, published.Count);
        Assert.Equal(("ada@example.com", 9.5, "shop"), (published[0].Traits!["email"]!.GetValue<string>(), published[0].Properties!["price"]!.GetValue<double>(), published[0].Properties!["channel"]!.GetValue<string>()));
        Assert.Equal(("Viewed", "bob@example.com", 3.0), (published[1].Event, published[1].Traits!["email"]!.GetValue<string>(), published[1].Properties!["price"]!.GetValue<double>()));
        Assert.Equal(CollectOutcome.Accepted, tracardi.Result.Outcome);

        // The refused message is kept as it was sent: replayed after the fix, the transformation runs again.
        var letter = Assert.Single(await _store.DeadLetters.ListAsync(10, CancellationToken.None));
        Assert.Contains("\"price\":\"cheap\"", letter.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("channel", letter.Body, StringComparison.Ordinal);
        var replay = await collect.ReplayAsync(letter, letter.Body.Replace("cheap", "4.25", StringComparison.Ordinal), CancellationToken.None);
        Assert.Equal(CollectOutcome.Accepted, replay.Outcome);
        Assert.Equal((4.25, "shop"), (replay.Accepted[0].Properties!["price"]!.GetValue<double>(), replay.Accepted[0].Properties!["channel"]!.GetValue<string>()));
    }
}
