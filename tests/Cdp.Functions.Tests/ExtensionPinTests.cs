using System.Reflection;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Cdp.Testing;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Cdp.Functions.Tests;

/// <summary>
/// The host extensions the Function App names are the ones in <c>functions/ExtensionPins.props</c> (the versions the
/// official worker packages pin), and every Durable Task package resolves to one version in both hosts.
/// </summary>
public class ExtensionPinTests
{
    private static string Pin(string property) =>
        XDocument.Parse(RepositoryFiles.Read("functions/ExtensionPins.props")).Descendants(property).Single().Value;

    [Theory]
    [InlineData(typeof(Microsoft.Azure.Functions.Worker.EventHubTriggerAttribute), "Microsoft.Azure.WebJobs.Extensions.EventHubs", "CdpEventHubsExtensionVersion", "6.5.2")]
    [InlineData(typeof(Microsoft.Azure.Functions.Worker.CosmosDBTriggerAttribute), "Microsoft.Azure.WebJobs.Extensions.CosmosDB", "CdpCosmosDBExtensionVersion", "4.16.1")]
    public void TriggerAssemblies_NameTheirHostExtension_AtThePinnedVersion_NotBelowTheOfficialOne(Type trigger, string extension, string property, string official)
    {
        var named = trigger.Assembly.GetCustomAttributes<ExtensionInformationAttribute>().Single();

        Assert.Equal(extension, named.ExtensionPackage);
        Assert.Equal(Pin(property), named.ExtensionVersion);
        Assert.True(Version.Parse(named.ExtensionVersion) >= Version.Parse(official), $"{extension} {named.ExtensionVersion} is older than the official worker package's pin {official}.");
    }

    [Theory]
    [InlineData("functions/Cdp.Functions")]
    [InlineData("functions/Cdp.Local")]
    public void DurableTaskPackages_ResolveToOneVersion(string project)
    {
        var assets = JsonNode.Parse(RepositoryFiles.Read(Path.Combine(project, "obj", "project.assets.json")))!;
        var durable = assets["libraries"]!.AsObject()
            .Select(l => l.Key.Split('/'))
            .Where(l => l[0].StartsWith("Microsoft.DurableTask.", StringComparison.Ordinal) && l[0] is not ("Microsoft.DurableTask.Analyzers" or "Microsoft.DurableTask.InProcessTestHost"))
            .ToList();

        Assert.True(durable.Count >= 4, string.Join(", ", durable.Select(l => l[0])));
        Assert.Single(durable.Select(l => l[1]).Distinct());
    }
}
