using System.Text.Json.Nodes;

namespace Cdp.Core.Destinations;

/// <summary>
/// A destination type: how its settings are checked and how a batch of items is sent to the tool's API
/// (functions/Cdp.Destinations holds the built-in ones). A client sends; it does not retry, wait or dead-letter:
/// <see cref="DestinationDelivery"/> does, from the <see cref="DeliveryResult"/> it answers.
/// </summary>
public interface IDestinationClient
{
    /// <summary>The destination's <c>type</c>.</summary>
    string Type { get; }

    /// <summary>Whether it takes event destinations, audience destinations or both.</summary>
    DestinationReceives Receives { get; }

    /// <summary>The most items one call of <see cref="SendAsync"/> takes (the API's batch limit; 1 when it has none).</summary>
    int MaxBatch { get; }

    /// <summary>Requests a second when the destination does not say (the API's documented limit, with room).</summary>
    double DefaultRequestsPerSecond { get; }

    /// <summary>The settings and secrets the type requires (names: <c>settings.url</c>, <c>secrets.apiKey</c>).</summary>
    IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets);

    /// <summary>
    /// Sends <paramref name="items"/> (at most <see cref="MaxBatch"/>; Segment-shaped messages, or audience items:
    /// docs/integrations.md § What a destination receives). <paramref name="secrets"/> are in clear. Network failures and
    /// timeouts are answered as <see cref="DeliveryOutcome.Retry"/>, not thrown.
    /// </summary>
    Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken);
}

[Flags]
public enum DestinationReceives
{
    Events = 1,
    Audiences = 2,
    Both = Events | Audiences,
}

public enum DeliveryOutcome
{
    /// <summary>The tool took every item (or those not in <see cref="DeliveryResult.Refused"/>).</summary>
    Delivered,

    /// <summary>Worth trying again (429, 5xx, a timeout, the network): after <see cref="DeliveryResult.RetryAfter"/> when the tool said.</summary>
    Retry,

    /// <summary>The tool refused the whole batch and would again (bad credentials, a malformed request): dead letters.</summary>
    Refused,
}

/// <summary>What one send came to; <paramref name="Refused"/> names items (by index) the tool refused while taking the rest.</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null, IReadOnlyDictionary<int, string>? Refused = null)
{
    public static readonly DeliveryResult Done = new(DeliveryOutcome.Delivered);
}
