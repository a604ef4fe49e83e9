using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Testing;
using Json.Schema;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using YamlDotNet.Serialization;

namespace Cdp.Functions.Tests;

/// <summary>
/// <c>infra/main.bicep</c>, compiled to ARM JSON with the Bicep CLI, against the code: every setting the Function
/// App reads is set by Bicep and every setting Bicep sets is read; the Cosmos DB containers match the adapters; no
/// key or connection string anywhere; every data service refuses keys. And <c>azure.yaml</c> against azd's schema.
/// </summary>
public sealed partial class InfraTests
{
    private static readonly Lazy<JsonNode> Arm = new(Compile);

    /// <summary>Connection prefixes: each is set as <c>{prefix}__{property}</c> (identity-based), never as a connection string.</summary>
    private static readonly string[] Connections = ["AzureWebJobsStorage", AzureSettings.EventHubConnection, AzureSettings.CosmosConnection, AzureSettings.DeadLetterStorage, AzureSettings.KeyVaultKey];

    /// <summary>The option sections the app binds from configuration (<c>Cdp__{section}__…</c>).</summary>
    private static readonly string[] OptionSections = ["Sources", "Identity", "MergePolicy", "Journeys"];

    [Fact]
    public async Task EverySettingTheAppReads_IsSetByBicep()
    {
        var set = AppSettings().Keys.ToList();
        var read = new List<string>();
        read.AddRange(SampleSettings().Where(key => key is not ("FUNCTIONS_WORKER_RUNTIME" or "AzureWebJobsStorage")));
        read.AddRange(typeof(AzureSettings).GetFields().Select(f => (string)f.GetRawConstantValue()!));
        read.AddRange(SettingExpression().Matches(RepositoryFiles.Read("host.json")).Select(m => m.Groups[1].Value));
        foreach (var binding in (await new GeneratedFunctionMetadataProvider().GetFunctionMetadataAsync(RepositoryFiles.Root)).SelectMany(f => f.RawBindings!))
        {
            read.AddRange(SettingExpression().Matches(binding).Select(m => m.Groups[1].Value));
            if (JsonNode.Parse(binding)!["connection"]?.GetValue<string>() is { } connection)
            {
                read.Add(connection);
            }
        }

        // Flex Consumption: the worker runtime is functionAppConfig.runtime; the host storage is identity-based.
        read.Add("AzureWebJobsStorage");
        foreach (var setting in read.Distinct(StringComparer.Ordinal))
        {
            Assert.True(
                set.Contains(setting) || set.Any(name => name.StartsWith(setting + "__", StringComparison.Ordinal)),
                $"The app reads '{setting}', which infra/modules/functionapp.bicep does not set.");
        }
    }

    [Fact]
    public void EverySettingBicepSets_IsReadByTheApp()
    {
        var sample = SampleSettings();
        var code = typeof(AzureSettings).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);
        foreach (var name in AppSettings().Keys)
        {
            var known = code.Contains(name)
                || sample.Contains(name)
                || Connections.Any(prefix => name.StartsWith(prefix + "__", StringComparison.Ordinal))
                || OptionSections.Any(section => name.StartsWith($"Cdp__{section}__", StringComparison.Ordinal))
                || name is "APPLICATIONINSIGHTS_CONNECTION_STRING" or "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
                || HostJsonHas(name);
            Assert.True(known, $"Bicep sets '{name}', which nothing in the app reads (a renamed setting?).");
        }
    }

    [Fact]
    public void ConnectionsAreIdentityBased_WithTheAppsIdentity()
    {
        var settings = AppSettings();
        foreach (var connection in Connections)
        {
            Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
            Assert.Contains("identityClientId", settings[$"{connection}__clientId"], StringComparison.Ordinal);
            Assert.DoesNotContain(connection, settings.Keys);
        }

        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Cdp__Identity__HashKey"], StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Cdp__Journeys__WebhookSecret"], StringComparison.Ordinal);
    }

    [Fact]
    public void DeadLetters_ExpireInTheCloud_AfterTheirRetention()
    {
        var policy = Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Storage/storageAccounts/managementPolicies").Single();
        var rule = Find(policy, o => o["name"]?.ToJsonString() == "\"dead-letter-retention\"").Single();

        Assert.Equal((int)Cdp.Core.DeadLetters.IDeadLetterStore.Retention.TotalDays, rule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterCreationGreaterThan"]!.GetValue<int>());
        Assert.Contains("deadLetterContainerName", rule["definition"]!["filters"]!["prefixMatch"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CosmosContainers_InBicep_AreTheAdapters()
    {
        var containers = Find(Arm.Value, o => o["variables"]?["containers"] is JsonArray).Single()["variables"]!["containers"]!.AsArray();
        var inBicep = containers.Select(c => (c!["name"]!.GetValue<string>(), c["partitionKey"]!.GetValue<string>(), c["ttl"]!.GetValue<bool>())).Order();
        var inCode = CosmosContainers.All.Select(c => (c.DefaultName, c.PartitionKey, c.TimeToLive)).Order();

        Assert.Equal(inCode, inBicep);
        var settings = AppSettings();
        foreach (var container in CosmosContainers.All.Where(c => c != CosmosContainers.Messages))
        {
            Assert.Equal(container.DefaultName, settings[container.Setting]);
        }
    }

    [Fact]
    public void NoKeyOrConnectionString_InInfra_AndEveryServiceRefusesKeys()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryFiles.Root, "infra"), "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            foreach (var forbidden in new[] { "listKeys", "listConnectionStrings", "AccountKey=", "SharedAccessKey", "primaryMasterKey", "UseDevelopmentStorage" })
            {
                Assert.False(text.Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"{Path.GetRelativePath(RepositoryFiles.Root, file)} holds '{forbidden}'.");
            }
        }

        Assert.All(AppSettings().Values, value => Assert.DoesNotMatch("(?i)(AccountKey|SharedAccessKey|Password)=", value));
        Assert.False(Resource("Microsoft.Storage/storageAccounts")["properties"]!["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(Resource("Microsoft.EventHub/namespaces")["properties"]!["disableLocalAuth"]!.GetValue<bool>());
        Assert.True(Resource("Microsoft.DocumentDB/databaseAccounts")["properties"]!["disableLocalAuth"]!.GetValue<bool>());
        Assert.True(Resource("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
        Assert.True(Resource("Microsoft.KeyVault/vaults")["properties"]!["enableRbacAuthorization"]!.GetValue<bool>());
    }

    [Fact]
    public void RoleAssignments_AreTheLeastThatWorks()
    {
        // The role definition ids sit in the variables of each module that assigns roles.
        var roles = Find(Arm.Value, o => o["variables"] is JsonObject && Find(o["resources"], r => r["type"]?.GetValue<string>() == "Microsoft.Authorization/roleAssignments").Any())
            .SelectMany(template => RoleId().Matches(template["variables"]!.ToJsonString()).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        // Blob Data Owner, Queue and Table Data Contributor, Event Hubs Data Sender and Receiver, Monitoring Metrics Publisher, Key Vault Secrets User,
        // Key Vault Crypto Service Encryption User (read the key, wrap and unwrap with it: never export it).
        string[] expected =
        [
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
            "2b629674-e913-4c01-ae53-ef4638d8f975", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde", "3913510d-42f4-4e42-8a64-420c390055eb",
            "4633458b-17de-408a-b874-0445c86b69e6", "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), roles.Order(StringComparer.Ordinal));
        Assert.Single(Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments" && o["condition"] is null));
    }

    /// <summary>Issue 21 #7: a Key Vault key wraps the master keys; no master key is a secret or a setting of a new deployment.</summary>
    [Fact]
    public void AVaultKey_WrapsTheMasterKeys_AndNoMasterKeySecretIsMade_UnlessADeploymentFromBeforeKeepsItsOwn()
    {
        var key = Resource("Microsoft.KeyVault/vaults/keys");
        Assert.Equal("RSA", key["properties"]!["kty"]!.GetValue<string>());
        Assert.Equal(["wrapKey", "unwrapKey"], key["properties"]!["keyOps"]!.AsArray().Select(o => o!.GetValue<string>()));

        var settings = AppSettings();
        Assert.Contains("wrappingKeyUri", settings["KeyVaultKey__keyUri"], StringComparison.Ordinal);
        Assert.Contains("identityClientId", settings["KeyVaultKey__clientId"], StringComparison.Ordinal);
        Assert.StartsWith("[if(empty(parameters('masterKeySecretUri')), '',", settings["Cdp__Privacy__MasterKey"], StringComparison.Ordinal);
        var secret = Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.KeyVault/vaults/secrets" && o["name"]!.ToJsonString().Contains("master-key", StringComparison.Ordinal)).Single();
        Assert.Equal("[not(empty(parameters('masterKey')))]", secret["condition"]!.GetValue<string>());
        Assert.Contains("${CDP_MASTER_KEY=}", RepositoryFiles.Read("infra/main.parameters.json"), StringComparison.Ordinal);
        foreach (var hook in new[] { "infra/hooks/preprovision.sh", "infra/hooks/preprovision.ps1", "infra/hooks/postprovision.sh", "infra/hooks/postprovision.ps1" })
        {
            Assert.DoesNotContain("CDP_MASTER_KEY", RepositoryFiles.Read(hook), StringComparison.Ordinal);
            Assert.DoesNotContain("Cdp__Privacy__MasterKey", RepositoryFiles.Read(hook), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PrivateNetworking_CoversEveryDataService_AndTheAppJoinsTheNetwork()
    {
        var endpoints = Find(Arm.Value, o => o["variables"]?["endpoints"] is JsonArray).Single()["variables"]!["endpoints"]!.AsArray();

        Assert.Equal(["Sql", "blob", "namespace", "queue", "table", "vault"], endpoints.Select(e => e!["group"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Contains("subnetId", Resource("Microsoft.Web/sites")["properties"]!["virtualNetworkSubnetId"]!.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>Issue 19: azd deploys the console to a static web app, and its origin is the one the API lets browsers call from.</summary>
    [Fact]
    public void TheConsole_IsAStaticWebApp_AzdDeploys_AndTheApiAllowsItsOriginAndTheBrowserSourcesOnly()
    {
        var site = Resource("Microsoft.Web/staticSites");
        Assert.Contains("'azd-service-name', 'console'", site["tags"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Free", site["sku"]!["name"]!.GetValue<string>());

        var cors = Resource("Microsoft.Web/sites")["properties"]!["siteConfig"]!["cors"]!;
        Assert.Equal("[parameters('allowedOrigins')]", cors["allowedOrigins"]!.GetValue<string>());
        Assert.False(cors["supportCredentials"]!.GetValue<bool>());
        var functionApp = Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && o["name"]?.ToJsonString().Contains("functionApp", StringComparison.Ordinal) == true).Single();
        var origins = functionApp["properties"]!["parameters"]!["allowedOrigins"]!["value"]!.GetValue<string>();
        Assert.StartsWith("[concat(createArray(reference('console').outputs.uri.value), if(empty(parameters('browserOrigins'))", origins, StringComparison.Ordinal);
        Assert.Equal("${CDP_BROWSER_ORIGINS=}", JsonNode.Parse(RepositoryFiles.Read("infra/main.parameters.json"))!["parameters"]!["browserOrigins"]!["value"]!.GetValue<string>());
    }

    /// <summary>The HTTP functions (the collector) keep warm instances, as many as the parameter says (one by default).</summary>
    [Fact]
    public void TheCollector_HasAlwaysReadyInstances()
    {
        var scale = Resource("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!;
        var functionApp = Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && o["name"]?.ToJsonString().Contains("functionApp", StringComparison.Ordinal) == true).Single();

        Assert.Contains("'name', 'http', 'instanceCount', parameters('alwaysReady')", scale["alwaysReady"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("[parameters('collectorAlwaysReady')]", functionApp["properties"]!["parameters"]!["alwaysReady"]!["value"]!.GetValue<string>());
        Assert.Equal(1, Arm.Value["parameters"]!["collectorAlwaysReady"]!["defaultValue"]!.GetValue<int>());
    }

    /// <summary>What the console's cloud build reads (<c>VITE_…</c> in console/src/cloud.ts) is what both postprovision hooks write.</summary>
    [Fact]
    public void TheConsolesCloudBuild_ReadsWhatThePostprovisionHooksWrite()
    {
        var read = ViteVariable().Matches(RepositoryFiles.Read("console/src/cloud.ts")).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(read);
        foreach (var hook in new[] { "infra/hooks/postprovision.sh", "infra/hooks/postprovision.ps1" })
        {
            var text = RepositoryFiles.Read(hook);
            Assert.Contains("console/.env.cloud.local", text, StringComparison.Ordinal);
            Assert.Equal(read, ViteVariable().Matches(text).Select(m => m.Value).ToHashSet(StringComparer.Ordinal));
        }

        foreach (var output in new[] { "CDP_FUNCTION_APP_URL", "CDP_TENANT_ID", "CDP_CONSOLE_URL" })
        {
            Assert.Contains($"output {output} ", RepositoryFiles.Read("infra/main.bicep"), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The configuration the postprovision hooks write for a laptop shares no consumer group, lease container or task hub
    /// with the deployed app (a laptop would otherwise take its partitions and leases), and what it names exists.
    /// </summary>
    [Fact]
    public void TheLaptopConfiguration_SharesNoConsumerGroupLeasesOrTaskHub_WithTheDeployedApp()
    {
        var main = RepositoryFiles.Read("infra/main.bicep");
        var deployed = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AzureSettings.EventHubConsumerGroup] = ModuleParameter(main, "consumerGroupName"),
            [AzureSettings.EventHubDestinationsConsumerGroup] = ModuleParameter(main, "destinationsConsumerGroupName"),
            [CosmosContainers.Leases.Setting] = CosmosContainers.Leases.DefaultName,
            ["CDP_TASKHUB"] = SettingValue().Match(RepositoryFiles.Read("infra/modules/functionapp.bicep")).Groups[1].Value,
        };
        foreach (var hook in new[] { "infra/hooks/postprovision.sh", "infra/hooks/postprovision.ps1" })
        {
            var text = RepositoryFiles.Read(hook);
            foreach (var (setting, value) in deployed)
            {
                var laptop = Regex.Match(text, $"[\"']{setting}[\"'] *[:=] *[\"']([^\"']+)[\"']").Groups[1].Value;
                Assert.False(string.IsNullOrEmpty(laptop), $"{hook} sets no {setting}");
                Assert.NotEqual(value, laptop);
                if (setting != "CDP_TASKHUB")
                {
                    Assert.Contains($"'{laptop}'", main, StringComparison.Ordinal);
                }
            }
        }

        Assert.Contains("laptopConsumerGroupNames: ['laptop-ingest', 'laptop-destinations']", main, StringComparison.Ordinal);
        Assert.Contains("laptopLeasesName: 'leasesLaptop'", main, StringComparison.Ordinal);
    }

    /// <summary>
    /// The alert rules (issue 21): metric rules on Cosmos DB 429s, Function App 5xx and Event Hubs throttling; log rules on
    /// the events the status timer writes, whose ids and value names are the code's; all to an action group mailing
    /// the address given; and a workbook of the same figures.
    /// </summary>
    [Fact]
    public void AlertRules_CoverThrottlingFailuresLagAndDeadLetters_ReadingWhatTheAppLogs()
    {
        var alerts = RepositoryFiles.Read("infra/modules/alerts.bicep");
        Assert.Equal(
            ["Http5xx", "ThrottledRequests", "TotalRequests"],
            MetricName().Matches(alerts).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
        Assert.Single(Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Insights/metricAlerts"));
        Assert.Single(Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Insights/scheduledQueryRules"));
        Assert.Single(Find(Arm.Value, o => o["type"]?.GetValue<string>() == "Microsoft.Insights/workbooks"));
        Assert.Contains("emailReceivers: [{ name: 'operator', emailAddress: alertEmail", alerts, StringComparison.Ordinal);
        Assert.Equal("${CDP_ALERT_EMAIL=}", JsonNode.Parse(RepositoryFiles.Read("infra/main.parameters.json"))!["parameters"]!["alertEmail"]!["value"]!.GetValue<string>());

        var logs = typeof(Cdp.Core.Status.StatusService).Assembly.GetType("Cdp.Core.Logs")!;
        foreach (var (method, names) in new[] { ("ConsumerBehind", new[] { "Consumer", "SecondsBehind" }), ("DeadLettersWaiting", new[] { "Stage", "Count" }) })
        {
            var message = logs.GetMethod(method)!.GetCustomAttribute<Microsoft.Extensions.Logging.LoggerMessageAttribute>()!;
            Assert.Contains($"customDimensions.EventId) == \"{message.EventId}\"", alerts, StringComparison.Ordinal);
            foreach (var name in names)
            {
                Assert.Contains("{" + name + "}", message.Message, StringComparison.Ordinal);
                Assert.Contains("customDimensions.prop__" + name, alerts, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>With private networking, "closed" turns public network access off on every data service (issue 21).</summary>
    [Fact]
    public void ClosingPublicAccess_TurnsItOffOnEveryDataService_OnlyWithPrivateNetworking()
    {
        foreach (var type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.EventHub/namespaces", "Microsoft.DocumentDB/databaseAccounts", "Microsoft.KeyVault/vaults" })
        {
            Assert.Equal("[parameters('publicNetworkAccess')]", Resource(type)["properties"]!["publicNetworkAccess"]!.GetValue<string>());
        }

        Assert.Equal("[if(and(parameters('privateNetworking'), parameters('closePublicAccess')), 'Disabled', 'Enabled')]", Arm.Value["variables"]!["publicNetworkAccess"]!.GetValue<string>());
        Assert.Equal("${CDP_CLOSE_PUBLIC_ACCESS=false}", JsonNode.Parse(RepositoryFiles.Read("infra/main.parameters.json"))!["parameters"]!["closePublicAccess"]!["value"]!.GetValue<string>());
    }

    [GeneratedRegex("metric: '([A-Za-z0-9]+)'")]
    private static partial Regex MetricName();

    private static string ModuleParameter(string bicep, string name) =>
        Regex.Match(bicep, $"\\n *{name}: '([^']+)'").Groups[1].Value is { Length: > 0 } value ? value : throw new InvalidOperationException($"main.bicep passes no {name}.");

    [GeneratedRegex("name: 'CDP_TASKHUB', value: '([^']+)'")]
    private static partial Regex SettingValue();

    [GeneratedRegex("VITE_CDP_[A-Z_]+")]
    private static partial Regex ViteVariable();

    [SkippableFact]
    public void AzureYaml_IsValidAgainstAzdsPublishedSchema()
    {
        var schemaPath = Path.Combine(RepositoryFiles.Root, "..", "shared", "schemas", "azure.yaml.schema.json");
        Skip.IfNot(File.Exists(schemaPath), $"Skipped: azd's schema is not at {Path.GetFullPath(schemaPath)} (it is on the team's machines and in CI, not in a user's clone).");

        var yaml = new DeserializerBuilder().Build().Deserialize<object>(RepositoryFiles.Read("azure.yaml"));
        var json = JsonDocument.Parse(new SerializerBuilder().JsonCompatible().Build().Serialize(yaml!)).RootElement;
        var schema = JsonSchema.FromText(File.ReadAllText(schemaPath));
        var result = schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static JsonObject Resource(string type) => Find(Arm.Value, o => o["type"]?.GetValue<string>() == type).Single();

    /// <summary>The Function App's app settings as Bicep sets them (values as ARM expressions).</summary>
    private static Dictionary<string, string> AppSettings() =>
        Resource("Microsoft.Web/sites")["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : s["value"]!.ToJsonString(), StringComparer.Ordinal);

    /// <summary>True for an override of a setting host.json has (<c>AzureFunctionsJobHost__{path}</c>, the path's parts by <c>__</c>).</summary>
    private static bool HostJsonHas(string name)
    {
        const string Prefix = "AzureFunctionsJobHost__";
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        JsonNode? node = JsonNode.Parse(RepositoryFiles.Read("host.json"));
        foreach (var part in name[Prefix.Length..].Split("__"))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
        }

        return node is JsonValue;
    }

    [Fact]
    public void TheEventHubsTriggerSettings_AreOverriddenFromParameters_WithinTheProfilesMemoryOfRecentMessages()
    {
        var settings = AppSettings();
        var eventHubs = JsonNode.Parse(RepositoryFiles.Read("host.json"))!["extensions"]!["eventHubs"]!;
        foreach (var setting in new[] { "maxEventBatchSize", "minEventBatchSize", "maxWaitTime" })
        {
            Assert.Contains($"AzureFunctionsJobHost__extensions__eventHubs__{setting}", settings.Keys);
        }

        Assert.Contains("format('00:00:{0:D2}'", settings["AzureFunctionsJobHost__extensions__eventHubs__maxWaitTime"], StringComparison.Ordinal);
        var parameters = Arm.Value["parameters"]!;
        Assert.Equal(new Core.Profiles.MergePolicyOptions().RecentMessages, parameters["eventHubMaxBatchSize"]!["maxValue"]!.GetValue<int>());
        Assert.Equal(eventHubs["maxEventBatchSize"]!.GetValue<int>(), parameters["eventHubMaxBatchSize"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal(eventHubs["minEventBatchSize"]!.GetValue<int>(), parameters["eventHubMinBatchSize"]!["defaultValue"]!.GetValue<int>());
        Assert.True(eventHubs["minEventBatchSize"]!.GetValue<int>() > 1, "A minimum batch of 1 makes maxWaitTime useless: a device's burst never shares a write.");
        Assert.True(eventHubs["prefetchCount"]!.GetValue<int>() >= parameters["eventHubMaxBatchSize"]!["maxValue"]!.GetValue<int>());
    }

    private static HashSet<string> SampleSettings() =>
        JsonNode.Parse(RepositoryFiles.Read("local.settings.sample.json"))!["Values"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<JsonObject> Find(JsonNode? node, Func<JsonObject, bool> match)
    {
        switch (node)
        {
            case JsonObject o:
                if (match(o))
                {
                    yield return o;
                }

                foreach (var (_, child) in o)
                {
                    foreach (var found in Find(child, match))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    foreach (var found in Find(child, match))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }

    /// <summary>infra/main.bicep built to ARM JSON with the Bicep CLI that scripts/test.sh restores from NuGet.</summary>
    private static JsonNode Compile()
    {
        var version = Regex.Match(RepositoryFiles.Read("Directory.Packages.props"), "\"Azure\\.Bicep\\.CommandLine\\.linux-x64\" Version=\"([^\"]+)\"").Groups[1].Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var bicep = Path.Combine(packages, "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(bicep))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at {bicep}: scripts/test.sh restores scripts/tools/bicep before the tests.");
        }

        var start = new ProcessStartInfo(bicep, ["build", "--stdout", Path.Combine(RepositoryFiles.Root, "infra", "main.bicep")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"bicep build failed: {errors}");
        return JsonNode.Parse(output.GetAwaiter().GetResult())!;
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingExpression();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RoleId();
}
