using Cdp.Testing;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;

namespace Cdp.Functions.Tests;

/// <summary>
/// The function metadata the Functions SDK generates from the trigger attributes is what the host binds
/// in Azure. These tests pin every function's bindings, so that a change to a trigger's settings is a
/// deliberate change to this file, and check that every setting they name is in local.settings.sample.json.
/// </summary>
public partial class FunctionMetadataTests
{
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["CollectFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Anonymous","methods":["post"],"route":"v1/{type}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["IngestEventsFunction"] =
        [
            """{"name":"events","type":"eventHubTrigger","direction":"In","eventHubName":"%CDP_EVENTHUB_NAME%","connection":"EventHubConnection","consumerGroup":"%CDP_EVENTHUB_CONSUMER_GROUP%","cardinality":"Many","dataType":"String"}""",
        ],
        ["ProcessProfileChangesFunction"] =
        [
            """{"name":"profiles","type":"cosmosDBTrigger","direction":"In","databaseName":"%CDP_COSMOS_DATABASE%","containerName":"%CDP_COSMOS_PROFILES_CONTAINER%","connection":"CosmosConnection","leaseContainerName":"%CDP_COSMOS_LEASES_CONTAINER%","leaseContainerPrefix":"profile-changes","feedPollDelay":1000,"maxItemsPerInvocation":100}""",
            """{"name":"journeys","type":"durableClient","direction":"In"}""",
        ],
        ["JourneyOrchestrator"] =
        [
            """{"name":"context","type":"orchestrationTrigger","direction":"In"}""",
        ],
        ["ListSegmentsFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"segments"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetSegmentFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"segments/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PutSegmentFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["put"],"route":"segments/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteSegmentFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"segments/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PreviewSegmentFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"segments/preview"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListSegmentTransitionsFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"segments/{id}/transitions"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["RunSegmentJobsFunction"] =
        [
            """{"name":"timer","type":"timerTrigger","direction":"In","schedule":"0 * * * * *"}""",
            """{"name":"backfills","type":"durableClient","direction":"In"}""",
        ],
        ["SegmentBackfill"] =
        [
            """{"name":"context","type":"orchestrationTrigger","direction":"In"}""",
        ],
        ["SegmentBackfillPage"] =
        [
            """{"name":"run","type":"activityTrigger","direction":"In"}""",
        ],
        ["JourneyAsk"] =
        [
            """{"name":"question","type":"activityTrigger","direction":"In"}""",
        ],
        ["JourneyRecord"] =
        [
            """{"name":"report","type":"activityTrigger","direction":"In"}""",
        ],
        ["JourneyRunAction"] =
        [
            """{"name":"call","type":"activityTrigger","direction":"In"}""",
        ],
        ["JourneyChangeProfile"] =
        [
            """{"name":"change","type":"activityTrigger","direction":"In"}""",
        ],
        ["JourneyWebhook"] =
        [
            """{"name":"call","type":"activityTrigger","direction":"In"}""",
        ],
        ["DryRunJourneyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"journeys/dryrun"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListJourneyStepTypesFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journey-steps"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListJourneysFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journeys"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetJourneyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journeys/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PutJourneyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["put"],"route":"journeys/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteJourneyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"journeys/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListJourneyInstancesFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journeys/{id}/instances"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetJourneyMetricsFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journeys/{id}/metrics"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListProfileJourneysFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles/{id}/journeys"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetJourneyInstanceFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"journeys/instances/{instanceId}"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["TerminateJourneyInstanceFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"journeys/instances/{instanceId}/terminate"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["SendJourneyInstanceEventFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"journeys/instances/{instanceId}/events/{name}"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ErasureOrchestrator"] =
        [
            """{"name":"context","type":"orchestrationTrigger","direction":"In"}""",
        ],
        ["EraseStep"] =
        [
            """{"name":"step","type":"activityTrigger","direction":"In"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
        ],
        ["CompleteErasure"] =
        [
            """{"name":"erasureId","type":"activityTrigger","direction":"In","dataType":"String"}""",
        ],
        ["EraseProfileFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"profiles/{id}"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["RequestErasureFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"privacy/erasures"}""",
            """{"name":"client","type":"durableClient","direction":"In"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetErasureFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"privacy/erasures/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["RotateMasterKeyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"privacy/master-keys"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["RewrapMasterKeysFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"privacy/master-keys/rewrap"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetAuditFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"audit"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ExportProfileFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles/{id}/export"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PutProfileConsentFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["put"],"route":"profiles/{id}/consents/{purpose}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetProfileFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetProfileLedgerFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles/{id}/ledger"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetProfileEventsFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles/{id}/events"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["FindProfileFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"profiles"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["TracardiTrackFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Anonymous","methods":["post"],"route":"track"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListDeadLettersFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"deadletters"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ReplayDeadLetterFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"deadletters/{id}/replay"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ReplayDeadLettersFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"deadletters/replay"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteDeadLettersFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"deadletters"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteDeadLetterFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"deadletters/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListSourcesFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"sources"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetSourceFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"sources/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PutSourceFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["put"],"route":"sources/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["NewSourceKeyFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"sources/{id}/key"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteSourceFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"sources/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ListDestinationsFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"destinations"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetDestinationFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"destinations/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["PutDestinationFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["put"],"route":"destinations/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeleteDestinationFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["delete"],"route":"destinations/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetDestinationStatusFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"destinations/{id}/status"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["DeliverEventsFunction"] =
        [
            """{"name":"events","type":"eventHubTrigger","direction":"In","eventHubName":"%CDP_EVENTHUB_NAME%","connection":"EventHubConnection","consumerGroup":"%CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP%","cardinality":"Many","dataType":"String"}""",
        ],
        ["DeliverAudiencesFunction"] =
        [
            """{"name":"profiles","type":"cosmosDBTrigger","direction":"In","databaseName":"%CDP_COSMOS_DATABASE%","containerName":"%CDP_COSMOS_PROFILES_CONTAINER%","connection":"CosmosConnection","leaseContainerName":"%CDP_COSMOS_LEASES_CONTAINER%","leaseContainerPrefix":"destinations","feedPollDelay":1000,"maxItemsPerInvocation":100}""",
            """{"name":"journeys","type":"durableClient","direction":"In"}""",
        ],
        ["PostImportFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["post"],"route":"imports"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["GetImportFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"imports/{id}"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ActivityFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"activity"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["StatusFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"],"route":"status"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
        ["ReportStatusFunction"] =
        [
            """{"name":"timer","type":"timerTrigger","direction":"In","schedule":"0 */5 * * * *"}""",
        ],
        ["HealthFunction"] =
        [
            """{"name":"request","type":"httpTrigger","direction":"In","authLevel":"Anonymous","methods":["get"],"route":"health"}""",
            """{"name":"$return","type":"http","direction":"Out"}""",
        ],
    };

    private static async Task<IReadOnlyList<IFunctionMetadata>> MetadataAsync() =>
        [.. await new GeneratedFunctionMetadataProvider().GetFunctionMetadataAsync(RepositoryFiles.Root)];

    [Fact]
    public async Task GeneratedMetadata_HasExactlyTheExpectedFunctions()
    {
        var names = (await MetadataAsync()).Select(f => f.Name!).Order(StringComparer.Ordinal);

        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task GeneratedMetadata_EveryBindingMatchesExactly()
    {
        foreach (var function in await MetadataAsync())
        {
            var expected = Expected[function.Name!].Select(b => JsonNode.Parse(b)).ToList();
            var actual = function.RawBindings!.Select(b => JsonNode.Parse(b)).ToList();

            Assert.True(
                expected.Count == actual.Count && expected.Zip(actual).All(pair => JsonNode.DeepEquals(pair.First, pair.Second)),
                $"Bindings of {function.Name} changed:\n{string.Join("\n", function.RawBindings!)}");
        }
    }

    [Fact]
    public async Task EveryHttpFunction_NeedsAFunctionKey_ButCollectionAndHealth()
    {
        string[] open = ["v1/{type}", "track", "health"];
        var triggers = (await MetadataAsync())
            .SelectMany(f => f.RawBindings!.Select(b => JsonNode.Parse(b)!).Where(b => b["type"]!.GetValue<string>() == "httpTrigger").Select(b => (f.Name, Binding: b)))
            .ToList();

        Assert.Equal(open.Order(StringComparer.Ordinal), triggers.Where(t => t.Binding["authLevel"]!.GetValue<string>() == "Anonymous").Select(t => t.Binding["route"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(triggers.Where(t => !open.Contains(t.Binding["route"]!.GetValue<string>())), t => Assert.Equal("Function", t.Binding["authLevel"]!.GetValue<string>()));
    }

    /// <summary>
    /// docs/openapi/function-app.json (generated from Cdp.Local's endpoints, which share the routes and handlers) describes
    /// exactly the Function App's HTTP triggers, and asks a function key of exactly the triggers that need one.
    /// </summary>
    [Fact]
    public async Task TheCheckedInOpenApiDocument_DescribesExactlyTheHttpTriggers()
    {
        var triggers = (await MetadataAsync())
            .SelectMany(f => f.RawBindings!.Select(b => JsonNode.Parse(b)!).Where(b => b["type"]!.GetValue<string>() == "httpTrigger"))
            .SelectMany(b => b["methods"]!.AsArray().Select(m => (Operation: $"{m!.GetValue<string>().ToUpperInvariant()} /api/{b["route"]!.GetValue<string>()}", Keyed: b["authLevel"]!.GetValue<string>() == "Function")))
            .ToList();
        var document = JsonNode.Parse(RepositoryFiles.Read("docs/openapi/function-app.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Operation: $"{op.Key.ToUpperInvariant()} {path.Key}", Keyed: op.Value!["security"]?.AsArray().All(r => r!["functionKey"] is not null) == true)))
            .ToList();

        Assert.Equal(triggers.Order(), operations.Order());
    }

    [Theory]
    [InlineData("IngestEventsFunction")]
    [InlineData("ProcessProfileChangesFunction")]
    public async Task StreamTriggers_RetryForeverWithBackoff(string name)
    {
        var retry = (await MetadataAsync()).Single(f => f.Name == name).Retry;

        Assert.NotNull(retry);
        Assert.Equal(RetryStrategy.ExponentialBackoff, retry.Strategy);
        Assert.Equal(-1, retry.MaxRetryCount);
        Assert.Equal(TimeSpan.FromSeconds(5), retry.MinimumInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), retry.MaximumInterval);
    }

    [Fact]
    public async Task EverySettingAndConnectionNamed_IsInLocalSettingsSample()
    {
        var values = SampleValues();
        var bindings = (await MetadataAsync()).SelectMany(f => f.RawBindings!).Append(RepositoryFiles.Read("host.json"));

        foreach (var binding in bindings)
        {
            foreach (Match match in SettingExpression().Matches(binding))
            {
                Assert.True(values.ContainsKey(match.Groups[1].Value), $"'{match.Groups[1].Value}' is not in local.settings.sample.json");
            }
        }

        foreach (var connection in (await MetadataAsync()).SelectMany(f => f.RawBindings!).Select(b => (string?)JsonNode.Parse(b)!["connection"]).OfType<string>())
        {
            Assert.Contains(values.Keys, key => key.StartsWith(connection + "__", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void LocalSettingsSample_UsesAzuriteAndHoldsNoSecrets()
    {
        var values = SampleValues();

        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]);
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.DoesNotContain(values, pair => pair.Value.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase)
            || pair.Value.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase));
    }

    private static Dictionary<string, string> SampleValues()
    {
        var sample = JsonNode.Parse(RepositoryFiles.Read("local.settings.sample.json"))!["Values"]!.AsObject();
        return sample.ToDictionary(pair => pair.Key, pair => pair.Value!.GetValue<string>());
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingExpression();
}
