using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// Its host extension and version: ExtensionPins.props (an assembly attribute of the project).

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Marks a function triggered by Event Hubs events. Same name, namespace and binding metadata as the
/// official <c>Microsoft.Azure.Functions.Worker.Extensions.EventHubs</c> attribute, so that function code
/// reads the same and the host's Event Hubs extension binds it.
/// </summary>
[BindingCapabilities(KnownBindingCapabilities.FunctionLevelRetry)]
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class EventHubTriggerAttribute(string eventHubName) : TriggerBindingAttribute, ISupportCardinality
{
    /// <summary>The event hub, usually a <c>%SETTING%</c> expression.</summary>
    public string EventHubName { get; } = eventHubName;

    /// <summary>The consumer group; the host uses <c>$Default</c> when it is not set.</summary>
    public string? ConsumerGroup { get; set; }

    /// <summary>The prefix of the app settings that hold the connection (<c>{Connection}__fullyQualifiedNamespace</c>).</summary>
    public string? Connection { get; set; }

    /// <summary>Whether the function receives a batch of events.</summary>
    /// <value>The default is true (a batch).</value>
    [DefaultValue(true)]
    public bool IsBatched { get; set; } = true;

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}
