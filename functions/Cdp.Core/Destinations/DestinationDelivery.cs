using System.Text.Json;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Cdp.Core.DeadLetters;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Cdp.Core.Destinations;

/// <summary>
/// Sends a destination's items through its client: in batches of the client's size, within the destination's rate limit,
/// retried with exponential backoff (the tool's <c>Retry-After</c> when it gives one) while the answer is transient, up to
/// <see cref="DestinationOptions.MaxAttempts"/> attempts. What cannot be delivered — refused by the tool, still failing
/// after the last attempt, or not mappable — becomes a dead letter of the destination with its reason (replayable), so
/// one bad item or a long outage never stops the destination's consumer. Each call updates the destination's status.
/// </summary>
/// <remarks>
/// At least once: a consumer that crashes after a send and before its checkpoint sends the batch again; every item
/// carries its stable <c>messageId</c>, which the tools that de-duplicate use (Segment) and the others overwrite with
/// the same values (upserts, list membership, tags). Letters are written under an id derived from the item, so a
/// repeat keeps one.
/// </remarks>
public sealed class DestinationDelivery(
    IEnumerable<IDestinationClient> clients,
    IDestinationStore store,
    DestinationSecrets secrets,
    IDeadLetterStore deadLetters,
    IOptions<DestinationOptions> options,
    TimeProvider time,
    ILogger<DestinationDelivery> logger)
{
    private const int MaxStatusAttempts = 10;

    private readonly Dictionary<string, IDestinationClient> _clients = clients.ToDictionary(c => c.Type, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (double PerSecond, TokenBucketRateLimiter Bucket)> _limits = new(StringComparer.Ordinal);

    public IReadOnlyCollection<IDestinationClient> Clients => _clients.Values;

    public IDestinationClient? ClientOf(string type) => _clients.GetValueOrDefault(type);

    /// <summary>The requests a second the destination is held to.</summary>
    public double RequestsPerSecondOf(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.RequestsPerSecond ?? ClientOf(destination.Type)?.DefaultRequestsPerSecond ?? 10;
    }

    /// <summary>Delivers <paramref name="selected"/>; returns once every item is delivered or a dead letter.</summary>
    public async Task DeliverAsync(DestinationDefinition destination, SelectedItems selected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(selected);
        var client = ClientOf(destination.Type) ?? throw new InvalidOperationException($"No client for destination type '{destination.Type}'.");
        var tally = new DestinationStatus(destination.Id, Withheld: selected.Withheld, Filtered: selected.Filtered);
        foreach (var (item, problem) in selected.Unmappable)
        {
            await KeepAsync(destination, item, "Its mapping failed: " + problem, cancellationToken);
            tally = tally with { DeadLettered = tally.DeadLettered + 1, LastErrorAt = time.GetUtcNow(), LastError = problem };
        }

        if (selected.Items.Count > 0)
        {
            var opened = await secrets.OpenAsync(destination, cancellationToken);
            var pipeline = Pipeline(options.Value.MaxAttempts);
            foreach (var chunk in selected.Items.Chunk(Math.Max(1, client.MaxBatch)))
            {
                var result = await SendAsync(pipeline, client, destination, opened, chunk, cancellationToken);
                tally = await TallyAsync(destination, chunk, result, tally, cancellationToken);
            }
        }

        if (tally != new DestinationStatus(destination.Id))
        {
            Count(destination, tally);
            await RecordAsync(tally, cancellationToken);
        }
    }

    /// <summary>
    /// Sends one dead letter of a destination again, once (no retries: the caller is waiting), with the destination's
    /// settings now. Null when it was delivered (the letter is removed), else the problem (the letter is kept).
    /// </summary>
    public async Task<string?> ReplayAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (letter.SourceId is null || await store.GetAsync(letter.SourceId, cancellationToken) is not { } held)
        {
            return $"The destination '{letter.SourceId}' no longer exists.";
        }

        var destination = held.Destination;
        var client = ClientOf(destination.Type) ?? throw new InvalidOperationException($"No client for destination type '{destination.Type}'.");
        if (ParseItem(letter.Body) is not { } item)
        {
            return "The body is not a JSON object (an item to send).";
        }

        var result = await SendAsync(Pipeline(1), client, destination, await secrets.OpenAsync(destination, cancellationToken), [item], cancellationToken);
        var now = time.GetUtcNow();
        if (result.Outcome == DeliveryOutcome.Delivered && result.Refused is not { Count: > 0 })
        {
            await deadLetters.RemoveAsync(letter.Id, cancellationToken);
            await RecordAsync(new DestinationStatus(destination.Id, LastSuccessAt: now, Delivered: 1), cancellationToken);
            return null;
        }

        var error = result.Refused?.Values.FirstOrDefault() ?? result.Error ?? "Not delivered.";
        await RecordAsync(new DestinationStatus(destination.Id, LastErrorAt: now, LastError: error), cancellationToken);
        return error;
    }

    private static JsonObject? ParseItem(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<DeliveryResult> SendAsync(ResiliencePipeline<DeliveryResult> pipeline, IDestinationClient client, DestinationDefinition destination, IReadOnlyDictionary<string, string> opened, IReadOnlyList<JsonObject> chunk, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(
            async token =>
            {
                using var lease = await Limiter(destination).AcquireAsync(1, token);
                DeliveryResult result;
                try
                {
                    result = await client.SendAsync(destination, opened, chunk, token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A client that throws on these items would throw again: refused, so they become dead letters and the consumer moves on.
                    result = new DeliveryResult(DeliveryOutcome.Refused, $"The {destination.Type} client failed: {ex.GetType().Name}: {ex.Message}");
                }

                if (result.Outcome != DeliveryOutcome.Delivered)
                {
                    Logs.DestinationSendFailed(logger, destination.Id, result.Outcome, result.Error);
                }

                return result;
            },
            cancellationToken);

    private async Task<DestinationStatus> TallyAsync(DestinationDefinition destination, JsonObject[] chunk, DeliveryResult result, DestinationStatus tally, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            var refused = result.Refused ?? new Dictionary<int, string>();
            foreach (var (index, reason) in refused)
            {
                await KeepAsync(destination, chunk[index], $"{destination.Type} refused it: {reason}", cancellationToken);
            }

            tally = tally with { Delivered = tally.Delivered + chunk.Length - refused.Count, DeadLettered = tally.DeadLettered + refused.Count, LastSuccessAt = now };
            return refused.Count == 0 ? tally : tally with { LastErrorAt = now, LastError = refused.Values.First() };
        }

        var error = result.Outcome == DeliveryOutcome.Retry
            ? $"Still failing after {options.Value.MaxAttempts} attempts: {result.Error}"
            : $"{destination.Type} refused the batch: {result.Error}";
        foreach (var item in chunk)
        {
            await KeepAsync(destination, item, error, cancellationToken);
        }

        return tally with { DeadLettered = tally.DeadLettered + chunk.Length, LastErrorAt = now, LastError = error };
    }

    private Task KeepAsync(DestinationDefinition destination, JsonObject item, string reason, CancellationToken cancellationToken)
    {
        var messageId = item["messageId"]?.GetValue<string>() ?? item.ToJsonString();
        var id = "destination-" + Ingest.IProcessedMessageLog.KeyFor(destination.Id, messageId);
        return deadLetters.AddAsync(new DeadLetter(id, DeadLetter.DestinationStage, destination.Id, reason, item.ToJsonString(), time.GetUtcNow(), messageId), cancellationToken);
    }

    /// <summary>Adds <paramref name="delta"/>'s counts to the stored status and keeps its latest success and error.</summary>
    private async Task RecordAsync(DestinationStatus delta, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxStatusAttempts; attempt++)
        {
            var held = await store.GetStatusAsync(delta.Id, cancellationToken);
            var now = held?.Status ?? new DestinationStatus(delta.Id);
            var next = now with
            {
                Delivered = now.Delivered + delta.Delivered,
                DeadLettered = now.DeadLettered + delta.DeadLettered,
                Withheld = now.Withheld + delta.Withheld,
                Filtered = now.Filtered + delta.Filtered,
                LastSuccessAt = Latest(now.LastSuccessAt, delta.LastSuccessAt),
                LastErrorAt = Latest(now.LastErrorAt, delta.LastErrorAt),
                LastError = delta.LastErrorAt is { } at && (now.LastErrorAt is null || at >= now.LastErrorAt) ? delta.LastError : now.LastError,
            };
            if (await store.TryPutStatusAsync(next, held?.Tag, cancellationToken) is not null)
            {
                return;
            }
        }

        Logs.DestinationStatusContended(logger, delta.Id);
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static void Count(DestinationDefinition destination, DestinationStatus tally)
    {
        var tag = KeyValuePair.Create<string, object?>("destination", destination.Id);
        CdpMetrics.DestinationDelivered.Add(tally.Delivered, tag);
        CdpMetrics.DestinationDeadLettered.Add(tally.DeadLettered, tag);
        CdpMetrics.DestinationWithheld.Add(tally.Withheld, tag);
    }

    private ResiliencePipeline<DeliveryResult> Pipeline(int attempts)
    {
        var builder = new ResiliencePipelineBuilder<DeliveryResult> { TimeProvider = time };
        if (attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<DeliveryResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Outcome == DeliveryOutcome.Retry),
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.Value.RetryDelay,
                MaxDelay = DestinationOptions.MaxRetryAfter,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter is { } after
                    ? (TimeSpan?)(after > DestinationOptions.MaxRetryAfter ? DestinationOptions.MaxRetryAfter : after)
                    : null),
            });
        }

        return builder.Build();
    }

    /// <summary>The destination's token bucket (made again when its rate changes; the old one is disposed).</summary>
    private TokenBucketRateLimiter Limiter(DestinationDefinition destination)
    {
        var perSecond = Math.Max(0.01, RequestsPerSecondOf(destination));
        while (true)
        {
            if (_limits.TryGetValue(destination.Id, out var held) && held.PerSecond.Equals(perSecond))
            {
                return held.Bucket;
            }

            var made = (perSecond, new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = (int)Math.Max(1, Math.Ceiling(perSecond)),
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1 / perSecond),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
            if (held.Bucket is null ? _limits.TryAdd(destination.Id, made) : _limits.TryUpdate(destination.Id, made, held))
            {
                held.Bucket?.Dispose();
                return made.Item2;
            }

            made.Item2.Dispose();
        }
    }
}

/// <summary>Delivery settings (<c>Cdp:Destinations</c>).</summary>
public sealed class DestinationOptions
{
    public const string Section = "Cdp:Destinations";

    /// <summary>The longest wait between two attempts, whatever a tool's <c>Retry-After</c> says.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>Attempts per batch before its items become dead letters (the first included).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the first retry, doubled at each next (with jitter): 1 s, 2 s, 4 s, 8 s, 16 s by default.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
