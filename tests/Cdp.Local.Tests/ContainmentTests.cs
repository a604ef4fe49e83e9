using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Profiles;
using Cdp.Embedded.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>A message whose processing fails deterministically does not stop its partition of the local event log.</summary>
public class ContainmentTests
{
    /// <summary>The event store failing for one message id every time, as a bug would.</summary>
    private sealed class PoisonEvents(IProfileEventStore inner) : IProfileEventStore
    {
        public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken) =>
            events.Any(e => e.MessageId == "poison") ? throw new InvalidOperationException("a bug in the event store") : inner.AppendAsync(events, cancellationToken);

        public Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken) => inner.ListAsync(profileId, max, cancellationToken);

        public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) => inner.DeleteAsync(profileId, cancellationToken);
    }

    [Fact]
    public async Task APoisonMessageInABatch_TheOthersAreApplied_ItIsADeadLetterWithItsReason_LaterMessagesFlow()
    {
        await using var app = new LocalApp
        {
            ConfigureServices = services => services.AddSingleton<IProfileEventStore>(sp => new PoisonEvents(sp.GetRequiredService<SqliteProfileEventStore>())),
        };
        using var client = app.CreateClient();

        // One partition key for all, so they share a partition of the log, in order.
        using var batch = await client.PostAsync("/api/v1/batch", HttpJson.Body("""
            {"batch":[
              {"type":"track","anonymousId":"same-device","event":"Before","messageId":"ok-1"},
              {"type":"track","anonymousId":"same-device","event":"Poison","messageId":"poison"},
              {"type":"track","anonymousId":"same-device","event":"After","messageId":"ok-2"}]}
            """));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        using var later = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"same-device","event":"Later","messageId":"ok-3"}"""));

        var profile = await Eventually.GetAsync(
            () => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:same-device"),
            p => p["counters"]?["events"]?["track:Later"] is not null);
        Assert.NotNull(profile["counters"]!["events"]!["track:Before"]);
        Assert.NotNull(profile["counters"]!["events"]!["track:After"]);
        var letters = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>("/api/deadletters"), l => l.Count > 0);
        var letter = Assert.Single(letters)!;
        Assert.Equal("poison", letter["messageId"]!.GetValue<string>());
        Assert.Contains("InvalidOperationException: a bug in the event store", letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APersonWhoseTraitsOutgrowTheStoresLimit_KeepsFlowing_TheLargestTraitsAreDropped_NothingIsADeadLetter()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        // 45 identifies of one device, each with a new 25 KB trait: 1.1 MB of traits, past the 1 MiB a profile may be stored as.
        for (var b = 0; b < 3; b++)
        {
            var batch = new JsonArray();
            for (var i = 0; i < 15; i++)
            {
                var n = (b * 15) + i;
                batch.Add(new JsonObject
                {
                    ["type"] = "identify",
                    ["anonymousId"] = "big-device",
                    ["messageId"] = $"big-{n}",
                    ["traits"] = new JsonObject { [$"blob{n:D2}"] = string.Concat(Enumerable.Repeat($"{n:D2}-abcdefghijklmnopqrstuvwxyz", 900)) },
                });
            }

            using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body(new JsonObject { ["batch"] = batch }.ToJsonString()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var later = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"big-device","event":"Later","messageId":"later"}"""));
        var profile = await Eventually.GetAsync(
            () => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:big-device"),
            p => p["counters"]?["events"]?["track:Later"] is not null);

        Assert.Equal(45, profile["counters"]!["events"]!["identify"]!["count"]!.GetValue<long>());
        var traits = profile["traits"]!.AsObject();
        Assert.InRange(traits.Count, 1, 44);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(profile.ToJsonString()) < ProfileDocument.MaxStoredBytes);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!);
    }

    /// <summary>A change-feed subscriber with a bug for profiles holding the trait <c>boom</c>, until it is fixed.</summary>
    private sealed class BuggySubscriber : IProfileChangeSubscriber
    {
        public volatile bool Fixed;

        public System.Collections.Concurrent.ConcurrentQueue<(string ProfileId, long? MissedAfter)> Handled { get; } = new();

        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            if (!Fixed && change.Profile.Traits.ContainsKey("boom"))
            {
                throw new InvalidOperationException("a bug in a subscriber");
            }

            Handled.Enqueue((change.ProfileId, change.MissedAfter));
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Issue 17, item 9: a change a subscriber fails on every time is parked as a dead letter (stage <c>changes</c>) after
    /// a bounded number of tries, the feed goes on with later changes, and replaying the letter after the fix has the
    /// subscribers handle the profile again from its state.
    /// </summary>
    [Fact]
    public async Task AChangeASubscriberFailsOn_IsParked_TheFeedGoesOn_AndAReplayAfterTheFixHandlesIt()
    {
        var buggy = new BuggySubscriber();
        await using var app = new LocalApp { ConfigureServices = services => services.AddSingleton<IProfileChangeSubscriber>(buggy) };
        using var client = app.CreateClient();

        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-boom","traits":{"boom":true}}"""));
        var letter = (await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>("/api/deadletters?stage=changes"), l => l.Count > 0)).Single()!;
        var profileId = (await client.GetOrNullAsync("/api/profiles?identifier=user_id:c-boom"))!["id"]!.GetValue<string>();
        Assert.Contains("a bug in a subscriber", letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(profileId, JsonNode.Parse(letter["body"]!.GetValue<string>())!["profileId"]!.GetValue<string>());

        // The feed went on: a later change of another profile reaches the subscriber.
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-fine","traits":{"plan":"pro"}}"""));
        var fine = (await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:c-fine"), _ => true))["id"]!.GetValue<string>();
        await Eventually.GetAsync(() => Task.FromResult<JsonObject?>(buggy.Handled.Any(h => h.ProfileId == fine) ? [] : null), _ => true);

        buggy.Fixed = true;
        using var replayed = await client.PostAsync($"/api/deadletters/{letter["id"]!.GetValue<string>()}/replay", null);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        await Eventually.GetAsync(() => Task.FromResult<JsonObject?>(buggy.Handled.Any(h => h.ProfileId == profileId && h.MissedAfter == 0) ? [] : null), _ => true);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/deadletters?stage=changes"))!);
    }
}

/// <summary>How one machine applies a batch: as one session by default (one synchronous SQLite writer), or as configured.</summary>
public class IngestGroupsTests
{
    [Theory]
    [InlineData(null, 1)]
    [InlineData("8", 8)]
    public async Task OneMachine_AppliesABatchAsOneSession_UnlessConfigured(string? configured, int expected)
    {
        await using var app = new LocalApp(configured is null ? null : new Dictionary<string, string> { ["Cdp:Ingest:ConcurrentGroups"] = configured });

        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Cdp.Core.Ingest.IngestOptions>>().Value;

        Assert.Equal(expected, options.ConcurrentGroups);
    }
}
