using System.Text.Json.Nodes;
using Cdp.Azure.Cosmos;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>Ingest over the Cosmos DB adapters, over the wire on the stand-in: what it asks of Cosmos DB per batch.</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosIngestTests(CosmosStandIn cosmos)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Ingest as the Function App wires it: by default without a processed-message log.</summary>
    private async Task<IngestService> IngestAsync(bool processedMessageLog = false)
    {
        var policy = TestDomain.Policy();
        var index = new CosmosIdentityIndex(await cosmos.ContainerAsync(CosmosContainers.Identities), TimeProvider.System);
        var profiles = new CosmosProfileStore(await cosmos.ContainerAsync(CosmosContainers.Profiles));
        var ledger = new CosmosIdentityLedger(await cosmos.ContainerAsync(CosmosContainers.Ledger));
        var events = new CosmosProfileEventStore(await cosmos.ContainerAsync(CosmosContainers.Events));
        IProcessedMessageLog processed = processedMessageLog ? new CosmosProcessedMessageLog(await cosmos.ContainerAsync(CosmosContainers.Messages)) : NoProcessedMessageLog.Instance;
        var resolver = new IdentityResolver(TestDomain.Rules(), policy, index, profiles, ledger, NullLogger<IdentityResolver>.Instance);
        return new IngestService(resolver, policy, ledger, events, processed, new InMemoryStores(), TimeProvider.System, NullLogger<IngestService>.Instance);
    }

    private static Message Event(string id, string person, int minute) => new()
    {
        MessageId = id,
        Type = MessageType.Track,
        Event = "Viewed",
        SourceId = "web",
        UserId = $"user-{person}",
        AnonymousId = $"anon-{person}",
        Context = new JsonObject { ["traits"] = new JsonObject { ["email"] = $"{person}@x.io" } },
        Timestamp = T0.AddMinutes(minute),
        ReceivedAt = T0.AddMinutes(minute),
    };

    [Fact]
    public async Task IngestingABatchOfKnownPeople_PointOperationsOnly_OneProfileWriteAndOneEventsWritePerProfile()
    {
        var ingest = await IngestAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var people = new[] { $"{run}-a", $"{run}-b" };
        await ingest.ProcessAsync([.. people.Select((p, i) => Event($"{run}-first-{i}", p, 0))], CancellationToken.None);
        var batch = Enumerable.Range(0, 10).Select(i => Event($"{run}-m{i}", people[i % 2], i + 1)).ToList();

        IReadOnlyList<CosmosOperation> operations;
        using (var usage = CosmosUsage.Begin())
        {
            await ingest.ProcessAsync(batch, CancellationToken.None);
            operations = usage.Operations;
        }

        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.True(o.IsPoint, $"{o.Kind} on '{o.Container}' is not a point operation"));
        Assert.Equal(2, operations.Count(o => o.Container == "profiles" && o.Kind is CosmosOperation.Replace or CosmosOperation.Create));
        Assert.Equal(2, operations.Count(o => o.Container == "profiles" && o.Kind == CosmosOperation.Read));
        Assert.Equal(2, operations.Count(o => o.Container == "events" && o.Kind == CosmosOperation.Create));
        Assert.DoesNotContain(operations, o => o.Container == "identities" && o.Kind != CosmosOperation.Read);
        Assert.DoesNotContain(operations, o => o.Container == "messages");
    }

    [Fact]
    public async Task ARedeliveredBatch_ChangesNothing_WithoutAProcessedMessageLog()
    {
        var ingest = await IngestAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var batch = Enumerable.Range(0, 10).Select(i => Event($"{run}-m{i}", $"{run}-a", i)).ToList();
        await ingest.ProcessAsync(batch, CancellationToken.None);
        var profileId = IdentityResolver.NewProfileId(batch[0].MessageId);
        var profiles = new CosmosProfileStore(await cosmos.ContainerAsync(CosmosContainers.Profiles));
        var before = (await profiles.GetAsync(profileId, CancellationToken.None))!;

        IReadOnlyList<CosmosOperation> operations;
        using (var usage = CosmosUsage.Begin())
        {
            await ingest.ProcessAsync(batch, CancellationToken.None);
            operations = usage.Operations;
        }

        var after = (await profiles.GetAsync(profileId, CancellationToken.None))!;
        Assert.Equal(before.VersionTag, after.VersionTag);
        Assert.Equal(10, after.Profile.Counters["track"].Count);
        Assert.DoesNotContain(operations, o => o.Container == "profiles" && o.Kind != CosmosOperation.Read);
        var events = new CosmosProfileEventStore(await cosmos.ContainerAsync(CosmosContainers.Events));
        Assert.Equal(10, (await events.ListAsync(profileId, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task GroupsOfABatchAppliedConcurrently_ThatReachOneProfile_CountEachMessageOnce_AndARedeliveryChangesNothing()
    {
        var ingest = await IngestAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var people = Enumerable.Range(0, 20).Select(i => $"{run}-{i}").ToList();
        await ingest.ProcessAsync([.. people.Select((p, i) => Event($"{run}-first-{i}", p, 0))], CancellationToken.None);

        // Each person's messages carry one identifier each, user id or device: 40 groups at once, two per profile, whose
        // writes of one profile race over the wire (the version tag orders them).
        var batch = people.SelectMany((p, i) => new[]
        {
            Event($"{run}-{i}-u1", p, 1) with { AnonymousId = null, Context = null },
            Event($"{run}-{i}-a1", p, 2) with { UserId = null, Context = null },
            Event($"{run}-{i}-u2", p, 3) with { AnonymousId = null, Context = null },
            Event($"{run}-{i}-a2", p, 4) with { UserId = null, Context = null },
        }).ToList();
        await ingest.ProcessAsync(batch, CancellationToken.None);
        await ingest.ProcessAsync(batch, CancellationToken.None);

        var profiles = new CosmosProfileStore(await cosmos.ContainerAsync(CosmosContainers.Profiles));
        for (var i = 0; i < people.Count; i++)
        {
            var profile = (await profiles.GetAsync(IdentityResolver.NewProfileId($"{run}-first-{i}"), CancellationToken.None))!.Profile;
            Assert.Null(profile.MergedInto);
            Assert.Equal(5, profile.Counters["track"].Count);
        }
    }

    [Fact]
    public async Task NewPeopleAndAMerge_StillPointOperationsOnly()
    {
        var ingest = await IngestAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        await ingest.ProcessAsync([Event($"{run}-1", $"{run}-x", 0) with { UserId = null }], CancellationToken.None);
        await ingest.ProcessAsync([Event($"{run}-2", $"{run}-y", 1) with { AnonymousId = null, Context = null }], CancellationToken.None);

        IReadOnlyList<CosmosOperation> operations;
        using (var usage = CosmosUsage.Begin())
        {
            await ingest.ProcessAsync([Event($"{run}-3", $"{run}-x", 2) with { UserId = $"user-{run}-y" }], CancellationToken.None);
            operations = usage.Operations;
        }

        Assert.Contains(operations, o => o.Container == "ledger" && o.Kind == CosmosOperation.Create);
        Assert.All(operations, o => Assert.True(o.IsPoint, $"{o.Kind} on '{o.Container}' is not a point operation"));
    }

    [Fact]
    public async Task Usage_SizesAWriteByTheItemSent_NotAlsoTheEchoOfTheEmulator()
    {
        var ingest = await IngestAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        await ingest.ProcessAsync([Event($"{run}-1", run, 0)], CancellationToken.None);

        IReadOnlyList<CosmosOperation> operations;
        using (var usage = CosmosUsage.Begin())
        {
            await ingest.ProcessAsync([Event($"{run}-2", run, 1)], CancellationToken.None);
            operations = usage.Operations;
        }

        // The profile as read (with Cosmos DB's system properties) and as written next are about the same size.
        var read = Assert.Single(operations, o => o.Container == "profiles" && o.Kind == CosmosOperation.Read);
        var replace = Assert.Single(operations, o => o.Container == "profiles" && o.Kind == CosmosOperation.Replace);
        Assert.InRange(replace.ItemBytes, read.ItemBytes * 0.8, read.ItemBytes * 1.2);
    }

    [Fact]
    public async Task Usage_TellsAQueryFromPointOperations()
    {
        var ledger = new CosmosIdentityLedger(await cosmos.ContainerAsync(CosmosContainers.Ledger));

        using var usage = CosmosUsage.Begin();
        await ledger.ListAsync("p_" + Guid.NewGuid().ToString("N"), CancellationToken.None);

        Assert.Contains(usage.Operations, o => o.Kind == CosmosOperation.Query && o.Container == "ledger" && !o.IsPoint);
    }

    [Fact]
    public async Task EveryItemWritten_CarriesItsSchemaVersion()
    {
        var ingest = await IngestAsync(processedMessageLog: true);
        var run = Guid.NewGuid().ToString("N")[..8];
        var message = Event($"{run}-1", run, 0);

        await ingest.ProcessAsync([message], CancellationToken.None);

        var profileId = IdentityResolver.NewProfileId(message.MessageId);
        var key = TestDomain.Rules().KeyOf(new Identifier("user_id", $"user-{run}"));
        Assert.Equal(2, await SchemaVersionAsync(CosmosContainers.Profiles, profileId, profileId));
        Assert.Equal(1, await SchemaVersionAsync(CosmosContainers.Identities, key, key));
        var processed = IProcessedMessageLog.KeyFor(message.SourceId, message.MessageId);
        Assert.Equal(1, await SchemaVersionAsync(CosmosContainers.Messages, processed, processed));
        var eventsItem = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(message.MessageId + "\n")));
        Assert.Equal(2, await SchemaVersionAsync(CosmosContainers.Events, eventsItem, profileId));
        var entry = Assert.Single(await new CosmosIdentityLedger(await cosmos.ContainerAsync(CosmosContainers.Ledger)).ListAsync(profileId, CancellationToken.None));
        Assert.Equal(1, await SchemaVersionAsync(CosmosContainers.Ledger, entry.Id, profileId));
    }

    private async Task<int> SchemaVersionAsync(CosmosContainer container, string id, string partitionKey)
    {
        using var response = await (await cosmos.ContainerAsync(container))
            .ReadItemStreamAsync(id, new Microsoft.Azure.Cosmos.PartitionKey(partitionKey));
        response.EnsureSuccessStatusCode();
        var item = await System.Text.Json.Nodes.JsonNode.ParseAsync(response.Content);
        return item!["schemaVersion"]!.GetValue<int>();
    }
}
