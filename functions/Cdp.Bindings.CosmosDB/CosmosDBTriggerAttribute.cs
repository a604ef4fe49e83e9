using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// Its host extension and version: ExtensionPins.props (an assembly attribute of the project).

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Marks a function triggered by the Cosmos DB change feed of a container. Same name, namespace and
/// binding metadata as the official <c>Microsoft.Azure.Functions.Worker.Extensions.CosmosDB</c> attribute
/// (the subset of properties Cdp uses), so that the host's Cosmos DB extension binds it.
/// </summary>
[BindingCapabilities(KnownBindingCapabilities.FunctionLevelRetry)]
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CosmosDBTriggerAttribute : TriggerBindingAttribute
{
    public CosmosDBTriggerAttribute(string databaseName, string containerName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);
        ArgumentException.ThrowIfNullOrWhiteSpace(containerName);
        DatabaseName = databaseName;
        ContainerName = containerName;
    }

    /// <summary>The database of the monitored container.</summary>
    public string DatabaseName { get; }

    /// <summary>The monitored container.</summary>
    public string ContainerName { get; }

    /// <summary>The prefix of the app settings that hold the connection (<c>{Connection}__accountEndpoint</c>).</summary>
    public string? Connection { get; set; }

    /// <summary>The container that holds the change feed leases.</summary>
    /// <value>The host's default is <c>leases</c>.</value>
    public string? LeaseContainerName { get; set; }

    /// <summary>A prefix for this trigger's leases, when several triggers share the lease container.</summary>
    public string? LeaseContainerPrefix { get; set; }

    /// <summary>Whether the host may create the lease container. Cdp's is created by Bicep (data-plane RBAC cannot).</summary>
    public bool CreateLeaseContainerIfNotExists { get; set; }

    /// <summary>The pause between polls once the feed is drained, in milliseconds.</summary>
    /// <value>The host's default is 5000.</value>
    public int FeedPollDelay { get; set; }

    /// <summary>The most changes handed to one invocation.</summary>
    /// <value>The host's default is the SDK's page size (100).</value>
    public int MaxItemsPerInvocation { get; set; }

    /// <summary>Whether a new lease starts from the beginning of the feed rather than from now.</summary>
    public bool StartFromBeginning { get; set; }
}
