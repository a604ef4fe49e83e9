using System.Text.Json;
using Cdp.Azure.Cosmos;
using Cdp.Core.Changes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Embedded;
using Cdp.Embedded.Sqlite;
using Cdp.Functions.Ingest;
using Cdp.Functions.Profiles;
using Cdp.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace Cdp.Functions.Tests;

/// <summary>The stream triggers are thin: they decode what the host hands them and call one Core service.</summary>
public sealed class ShellTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteDatabase _database;

    public ShellTests() => _database = new(Options.Create(new EmbeddedOptions { DataDirectory = _dataDirectory }));

    [Fact]
    public async Task IngestEventsFunction_EventBodies_AreIngested()
    {
        var index = new SqliteIdentityIndex(_database, TimeProvider.System);
        var function = new IngestEventsFunction(Ingest(index), NullLogger<IngestEventsFunction>.Instance);
        var message = new Message { MessageId = "m1", Type = MessageType.Track, Event = "Viewed", AnonymousId = "a1", ReceivedAt = DateTimeOffset.UnixEpoch };

        await function.RunAsync([JsonSerializer.Serialize(message, CdpJson.Options)], CancellationToken.None);

        Assert.NotNull(await index.FindAsync(TestDomain.Rules().KeyOf(new Identifier("anonymous_id", "a1")), CancellationToken.None));
    }

    [Fact]
    public async Task IngestEventsFunction_UnreadableEvent_BecomesADeadLetter_TheRestIsIngested()
    {
        var index = new SqliteIdentityIndex(_database, TimeProvider.System);
        var function = new IngestEventsFunction(Ingest(index), NullLogger<IngestEventsFunction>.Instance);
        var message = new Message { MessageId = "m1", Type = MessageType.Track, Event = "Viewed", AnonymousId = "a1", ReceivedAt = DateTimeOffset.UnixEpoch };

        await function.RunAsync(["{not json", "null", JsonSerializer.Serialize(message, CdpJson.Options)], CancellationToken.None);

        var letters = await new SqliteDeadLetterStore(_database).ListAsync(10, CancellationToken.None);
        Assert.Equal(["null", "{not json"], letters.Select(l => l.Body).Order(StringComparer.Ordinal));
        Assert.NotNull(await index.FindAsync(TestDomain.Rules().KeyOf(new Identifier("anonymous_id", "a1")), CancellationToken.None));
    }

    [Fact]
    public void EverySettingNameInCode_IsInLocalSettingsSample()
    {
        var sample = System.Text.Json.Nodes.JsonNode.Parse(RepositoryFiles.Read("local.settings.sample.json"))!["Values"]!.AsObject().Select(p => p.Key).ToList();
        var settings = typeof(Cdp.Azure.AzureSettings).GetFields().Select(f => (string)f.GetRawConstantValue()!);

        foreach (var setting in settings)
        {
            Assert.True(
                sample.Contains(setting) || sample.Any(key => key.StartsWith(setting + "__", StringComparison.Ordinal)),
                $"'{setting}' is read by the code but not in local.settings.sample.json");
        }
    }

    [Fact]
    public async Task ProcessProfileChangesFunction_ChangeFeedDocuments_ReachSubscribersWithTheirETag_SchemaVersion1Included()
    {
        var subscriber = new RecordingSubscriber();
        var function = new ProcessProfileChangesFunction(new ProfileChangeProcessor([subscriber], NullLogger<ProfileChangeProcessor>.Instance));
        var json = """[{"schemaVersion":1,"id":"p1","createdAt":"2026-11-28T00:00:00Z","updatedAt":"2026-11-28T00:00:00Z","identifiers":["user_id:u1"],"traits":{},"_etag":"\"0a00\"","_lsn":7}]""";
        var documents = JsonSerializer.Deserialize<List<JsonElement>>(json)!;

        await function.RunAsync(documents, new Mock<DurableTaskClient>("test").Object, CancellationToken.None);

        var change = Assert.Single(subscriber.Changes);
        Assert.Equal("p1", change.ProfileId);
        Assert.Equal("\"0a00\"", change.VersionTag);
        Assert.Equal(["user_id:u1"], change.Profile.Identifiers.Select(i => i.ToString()));
    }

    private IngestService Ingest(SqliteIdentityIndex index)
    {
        var (rules, policy, ledger, profiles) = (TestDomain.Rules(), TestDomain.Policy(), new SqliteIdentityLedger(_database), new SqliteProfileStore(_database));
        var resolver = new IdentityResolver(rules, policy, index, profiles, ledger, NullLogger<IdentityResolver>.Instance);
        return new(resolver, policy, ledger, new SqliteProfileEventStore(_database, TimeProvider.System), new SqliteProcessedMessageLog(_database), new SqliteDeadLetterStore(_database), TimeProvider.System, NullLogger<IngestService>.Instance);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private sealed class RecordingSubscriber : IProfileChangeSubscriber
    {
        public List<ProfileChange> Changes { get; } = [];

        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            Changes.Add(change);
            return Task.CompletedTask;
        }
    }
}
