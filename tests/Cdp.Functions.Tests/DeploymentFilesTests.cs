using Cdp.Testing;
using System.Text.Json.Nodes;
using Cdp.Http;

namespace Cdp.Functions.Tests;

/// <summary>The files azd and the Functions host read agree with the code.</summary>
public class DeploymentFilesTests
{
    [Fact]
    public void HostJson_RoutePrefixIsTheApiPrefix_AndTaskHubIsASetting()
    {
        var host = JsonNode.Parse(RepositoryFiles.Read("host.json"))!;

        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Equal(CdpRoutes.Prefix, host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        Assert.Equal("%CDP_TASKHUB%", host["extensions"]!["durableTask"]!["hubName"]!.GetValue<string>());
    }

    /// <summary>
    /// New orchestrations start on the version the code branches on (the host assigns it to instances it starts), and a
    /// worker of an older release leaves newer instances alone while a deployment rolls (CurrentOrOlder, rejected).
    /// </summary>
    [Fact]
    public void HostJson_OrchestrationVersionIsTheCodes_AndOlderWorkersLeaveNewerInstancesAlone()
    {
        var durable = JsonNode.Parse(RepositoryFiles.Read("host.json"))!["extensions"]!["durableTask"]!;

        Assert.Equal(Cdp.Journeys.OrchestrationVersion.Current, durable["defaultVersion"]!.GetValue<string>());
        Assert.Equal("CurrentOrOlder", durable["versionMatchStrategy"]!.GetValue<string>());
        Assert.Equal("Reject", durable["versionFailureStrategy"]!.GetValue<string>());
    }

    /// <summary>
    /// Logging sized for cost: the host's own categories at Warning, the functions' (their executions and what the app
    /// logs, which reaches the host as <c>Function.NAME.User</c>) and the request and aggregate counts at Information.
    /// </summary>
    [Fact]
    public void HostJson_LogsWarningsByDefault_AndTheAppsOwnCategoriesAtInformation()
    {
        var levels = JsonNode.Parse(RepositoryFiles.Read("host.json"))!["logging"]!["logLevel"]!;

        Assert.Equal("Warning", levels["default"]!.GetValue<string>());
        Assert.Equal("Information", levels["Function"]!.GetValue<string>());
        Assert.Equal("Information", levels["Host.Results"]!.GetValue<string>());
        Assert.Equal("Information", levels["Host.Aggregator"]!.GetValue<string>());
    }

    [Fact]
    public void HostJson_IsLinkedIntoTheFunctionAppOutput()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "host.json");

        Assert.True(File.Exists(output), "host.json was not copied to the Function App's output.");
        Assert.Equal(RepositoryFiles.Read("host.json"), File.ReadAllText(output));
    }

    [Fact]
    public void AzureYaml_DeclaresTheFunctionAppAsAFunctionService()
    {
        var lines = RepositoryFiles.Read("azure.yaml").Split('\n').Select(l => l.TrimEnd()).ToList();

        Assert.Contains("  functions:", lines);
        Assert.Contains("    project: ./functions/Cdp.Functions", lines);
        Assert.Contains("    language: dotnet", lines);
        Assert.Contains("    host: function", lines);
        Assert.Contains("  provider: bicep", lines);
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, "functions", "Cdp.Functions", "Cdp.Functions.csproj")));
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, "infra", "main.bicep")));
    }

    /// <summary>The console is a service azd builds for the cloud (<c>npm run build:cloud</c> into dist-cloud/) and deploys as a static web app.</summary>
    [Fact]
    public void AzureYaml_DeclaresTheConsoleAsAStaticWebApp_BuiltForTheCloud()
    {
        var lines = RepositoryFiles.Read("azure.yaml").Split('\n').Select(l => l.TrimEnd()).ToList();
        var console = lines.IndexOf("  console:");

        Assert.True(console > 0, "azure.yaml has no console service.");
        Assert.Contains("    project: ./console", lines.Skip(console));
        Assert.Contains("    host: staticwebapp", lines.Skip(console));
        Assert.Contains("    dist: dist-cloud", lines.Skip(console));
        Assert.Contains(lines.Skip(console), l => l.Contains("npm run build:cloud", StringComparison.Ordinal));
        var package = System.Text.Json.Nodes.JsonNode.Parse(RepositoryFiles.Read("console/package.json"))!;
        Assert.Contains("--mode cloud", package["scripts"]!["build:cloud"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("'dist-cloud'", RepositoryFiles.Read("console/vite.config.ts"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, "console", "public-cloud", "staticwebapp.config.json")));
    }
}
