using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Consents;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Sources;
using Cdp.Core.Streaming;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Collect;

/// <summary>
/// The collection API's one implementation: authenticates the source by its write key, applies its
/// request limit, reads and checks each message, stamps it (server time, id, clock-skew correction,
/// source), drops known crawlers, hands the rest to the event stream, and keeps every refused message as
/// a dead letter with its reason. For a late-binding source resolution happens later, in ingest; for an
/// early-binding source each message's profile is resolved before the reply, which names it, and the
/// message carries it.
/// </summary>
public sealed class CollectService(
    IEventStream stream,
    IDeadLetterStore deadLetters,
    SourceRegistry sources,
    IdentityResolver identity,
    IngestService ingest,
    TimeProvider time,
    ILogger<CollectService> logger,
    Activity.ActivityCounters? activity = null)
{
    private readonly VisitorTokens _visitors = new(identity.Rules.DeriveKey("cdp/collect/visitor-token/v1"));

    /// <summary>Handles one request to <c>/v1/{type}</c> or <c>/v1/batch</c>.</summary>
    public async Task<CollectResult> CollectAsync(CollectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Text no string can hold is replaced in place, so the body parses and only the entries holding it are refused.
        var invalidText = UnicodeText.Find(request.Body.Span);
        var body = invalidText is null ? request.Body : UnicodeText.Repaired(request.Body.Span, invalidText);
        var root = MessageReader.ParseChecked(body, out var parseError);
        var json = root as JsonObject;
        var source = await sources.FindByWriteKeyAsync(request.WriteKey ?? WriteKeyIn(json), cancellationToken);
        if (source is null)
        {
            // An unauthenticated body is not kept: anyone could fill the store.
            return json is null
                ? new CollectResult(CollectOutcome.Invalid, [], Single("body", parseError ?? "The body must be a JSON object."), [])
                : CollectResult.Unauthorized;
        }

        if (sources.TryAcquire(source) is { } retryAfter)
        {
            return CollectResult.RateLimited(retryAfter);
        }

        var receivedAt = time.GetUtcNow();
        var entries = json is null || request.Type is not null ? [] : BatchEntries(body.Span);
        if (json is null || (invalidText is [var at, ..] && (request.Type is not null || invalidText.Exists(o => !entries.Exists(e => e.Holds(o))))))
        {
            // Not JSON, or a single message (or a batch's envelope) holding invalid text: the whole request.
            var reason = json is null ? parseError ?? "The body must be a JSON object." : MessageReader.InvalidText(invalidText![0]);
            var id = await DeadLetterAsync(source.Id, reason, WithoutKey(Encoding.UTF8.GetString(body.Span), request.WriteKey ?? WriteKeyIn(json)), null, receivedAt, cancellationToken);
            return new CollectResult(CollectOutcome.Invalid, [], Single("body", reason), [id]);
        }

        var items = request.Type is { } type
            ? [new Item(Standalone(json, type), type, string.Empty, null, request.Body.Length)]
            : ReadBatch(json, entries, invalidText);
        return await CollectItemsAsync(source, items, receivedAt, cancellationToken, writeKey: request.WriteKey ?? WriteKeyIn(json));
    }

    /// <summary>
    /// A request whose body could not be decoded (a corrupt gzip stream, a <c>Content-Encoding</c> Cdp does not read):
    /// from a source the write key authenticates (HTTP Basic: the body cannot be read for one) it is kept as a dead
    /// letter, the bytes as sent in base64, so that nothing a source sent is lost; from anyone else it is only refused.
    /// </summary>
    public async Task<CollectResult> RefuseUndecodableAsync(string? writeKey, ReadOnlyMemory<byte> sent, string problem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var errors = Single("body", problem);
        if (await sources.FindByWriteKeyAsync(writeKey, cancellationToken) is not { } source)
        {
            return new CollectResult(CollectOutcome.Invalid, [], errors, []);
        }

        if (sources.TryAcquire(source) is { } retryAfter)
        {
            return CollectResult.RateLimited(retryAfter);
        }

        var id = await DeadLetterAsync(source.Id, $"{Describe(errors)} The body is kept in base64, as sent.", Convert.ToBase64String(sent.Span), null, time.GetUtcNow(), cancellationToken);
        CdpMetrics.MessagesRejected.Add(1, KeyValuePair.Create<string, object?>("source", source.Id));
        activity?.DeadLettered(1);
        return new CollectResult(CollectOutcome.Invalid, [], errors, [id]);
    }

    /// <summary>
    /// Handles a Tracardi-style <c>/api/track</c> body (see <see cref="TracardiTrackReader"/>) and gives the token the
    /// client keeps as <c>profile.id</c>. A public write key steers nothing with it: the token only names a session
    /// this source's client sent before (a profile id or another source's token is ignored, and counted), and the
    /// reply depends on nothing but the source and that session, so it tells nobody who is known.
    /// </summary>
    public async Task<TracardiTrackResult> CollectTracardiAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var json = MessageReader.Parse(body, out var parseError) as JsonObject;
        if (json is null)
        {
            return new TracardiTrackResult(new CollectResult(CollectOutcome.Invalid, [], Single("body", parseError ?? "The body must be a JSON object."), []), null);
        }

        var source = await sources.FindByWriteKeyAsync((json["source"] as JsonObject)?["id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : null, cancellationToken);
        if (source is null)
        {
            return new TracardiTrackResult(CollectResult.Unauthorized, null);
        }

        if (sources.TryAcquire(source) is { } retryAfter)
        {
            return new TracardiTrackResult(CollectResult.RateLimited(retryAfter), null);
        }

        var read = TracardiTrackReader.Read(json, token => _visitors.Verify(source.Id, token));
        if (read.TokenRefused)
        {
            CdpMetrics.VisitorTokensRefused.Add(1, KeyValuePair.Create<string, object?>("source", source.Id));
        }

        var items = read.Items.Select((item, i) => new Item(item, MessageType.Track, $"events[{i}].", null, null)).ToList();
        var result = await CollectItemsAsync(source, items, time.GetUtcNow(), cancellationToken, read.Errors);
        return new TracardiTrackResult(result, result.Accepted.Count > 0 && read.VisitorId is { } visitor ? _visitors.Issue(source.Id, visitor) : null);
    }

    /// <summary>
    /// Replays a dead letter after a fix (optionally with a corrected body): a collect-stage letter is read
    /// and accepted again as a Segment message of its source; an ingest-stage letter (a stream message) is
    /// put back on the stream. On success the letter is removed; otherwise it stays, and the problems are
    /// returned.
    /// </summary>
    public async Task<CollectResult> ReplayAsync(DeadLetter letter, string? correctedBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var body = correctedBody ?? letter.Body;
        CollectResult result;
        if (letter.Stage == DeadLetter.IngestStage)
        {
            Message? message;
            try
            {
                message = JsonSerializer.Deserialize<Message>(body, CdpJson.Options);
            }
            catch (JsonException ex)
            {
                return new CollectResult(CollectOutcome.Invalid, [], Single("body", $"Not a stream message: {ex.Message}"), []);
            }

            if (message is null || string.IsNullOrEmpty(message.MessageId))
            {
                return new CollectResult(CollectOutcome.Invalid, [], Single("body", "Not a stream message (null, or no messageId)."), []);
            }

            await stream.PublishAsync([message], cancellationToken);
            result = new CollectResult(CollectOutcome.Accepted, [message], FieldErrors.None, []);
        }
        else
        {
            var source = letter.SourceId is null ? null : await sources.FindAsync(letter.SourceId, cancellationToken);
            if (source is null)
            {
                return new CollectResult(CollectOutcome.Invalid, [], Single("sourceId", $"The source '{letter.SourceId}' is not configured."), []);
            }

            var json = MessageReader.Parse(Encoding.UTF8.GetBytes(body), out var parseError) as JsonObject;
            if (json is null)
            {
                return new CollectResult(CollectOutcome.Invalid, [], Single("body", parseError ?? "The body must be a JSON object."), []);
            }

            var items = ReadBatchOrSingle(json);
            result = await CollectItemsAsync(source, items, time.GetUtcNow(), cancellationToken, keepRejected: false);
        }

        if (result.Outcome == CollectOutcome.Accepted)
        {
            await deadLetters.RemoveAsync(letter.Id, cancellationToken);
            Logs.DeadLetterReplayed(logger, letter.Id, result.Accepted.Count);
        }

        return result;
    }

    /// <summary>
    /// Collects the rows of a bulk import for <paramref name="source"/> as the collection API collects a batch: each row a
    /// message naming its type, checked, stamped and handed to the stream, a refused one kept as a dead letter; its
    /// problems are named <c>line[N].field</c>. No request limit applies (an import is an admin call).
    /// </summary>
    public Task<CollectResult> ImportRowsAsync(SourceDefinition source, IReadOnlyList<ImportRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rows);
        var items = rows.Select(row => row.Problem is { } problem
            ? new Item(row.Json, MessageType.Track, ImportRow.Prefix(row.Line), Single($"line[{row.Line}]", problem), null)
            : ReadEntry(row.Json, ImportRow.Prefix(row.Line), null)).ToList();
        return CollectItemsAsync(source, items, time.GetUtcNow(), cancellationToken);
    }

    private async Task<CollectResult> CollectItemsAsync(
        SourceDefinition source,
        IReadOnlyList<Item> items,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string[]>? envelopeErrors = null,
        bool keepRejected = true,
        string? writeKey = null)
    {
        using var span = CdpTracing.StartCollect(source.Id);
        var errors = new FieldErrors();
        errors.AddRange(envelopeErrors ?? FieldErrors.None);
        var accepted = new List<Message>(items.Count);
        var letters = new List<DeadLetter>();
        var bots = 0;
        var withheld = 0;
        var filtered = 0;
        foreach (var item in items)
        {
            // The source's transformation first; a refused message is kept as it was sent, so that a replay transforms it again.
            var sent = item.Json;
            if (source.Transform.Count > 0 && item.Error is null)
            {
                sent = (JsonObject)item.Json.DeepClone();
                var (problem, dropped) = SourceTransform.Apply(item.Json, source.Transform);
                if (dropped)
                {
                    filtered++;
                    continue;
                }

                if (problem is not null)
                {
                    var refused = Single(item.Prefix.TrimEnd('.') is { Length: > 0 } p ? p : "body", problem);
                    errors.AddRange(refused);
                    letters.Add(NewDeadLetter(source.Id, Describe(refused), WithoutKey(RawJson(sent), writeKey), null, receivedAt));
                    continue;
                }
            }

            MessageReadResult read;
            try
            {
                read = (item.Size ?? Encoding.UTF8.GetByteCount(item.Json.ToJsonString())) > MessageReader.MaxMessageBytes
                    ? new MessageReadResult(null, Single(item.Prefix.TrimEnd('.') is { Length: > 0 } p ? p : "body", $"A message may hold at most {MessageReader.MaxMessageBytes} bytes of JSON."))
                    : item.Error is { } error ? new MessageReadResult(null, error) : MessageReader.Read(item.Json, item.Type, item.Prefix);
            }
            catch (ArgumentException ex)
            {
                // A hostile shape the JSON model refuses when it is read (a property named twice): this message only.
                read = new MessageReadResult(null, Single(item.Prefix.TrimEnd('.') is { Length: > 0 } p ? p : "body", $"The message cannot be read: {ex.Message}"));
            }

            if (read.Message is null)
            {
                errors.AddRange(read.Errors);
                letters.Add(NewDeadLetter(source.Id, Describe(read.Errors), WithoutKey(RawJson(sent), writeKey), null, receivedAt));
                continue;
            }

            if (Stamp(read.Message, source, receivedAt) is not { } message)
            {
                var late = Single($"{item.Prefix}timestamp", $"The event's time (its timestamp, corrected for the client's clock by sentAt) must be at most {source.MaxEventAgeDays} days before and {source.MaxEventAheadMinutes} minutes after the time it is received.");
                errors.AddRange(late);
                letters.Add(NewDeadLetter(source.Id, Describe(late), WithoutKey(RawJson(sent), writeKey), read.Message.MessageId.Length > 0 ? read.Message.MessageId : null, receivedAt));
                continue;
            }

            if (identity.Rules.IdentifiersOf(message).Count == 0)
            {
                // Refused now rather than dead-lettered by ingest later: the client learns which message and why.
                var placeholder = Single($"{item.Prefix}userId", "No usable identifier: userId and anonymousId are empty or placeholders such as 'null' or 'unknown', which are never matched to a person.");
                errors.AddRange(placeholder);
                letters.Add(NewDeadLetter(source.Id, Describe(placeholder), WithoutKey(RawJson(sent), writeKey), message.MessageId, receivedAt));
                continue;
            }

            if (source.DropBots && BotFilter.IsBot(message.Context))
            {
                bots++;
                continue;
            }

            if (source.RequiredPurpose is { } purpose && !ConsentDecisions.Admits(message, purpose))
            {
                withheld++;
                continue;
            }

            if (source.Binding == BindingMode.Early)
            {
                message = message with { ProfileId = await ingest.BindAsync(message, cancellationToken) };
            }

            accepted.Add(message);
        }

        if (accepted.Count > 0)
        {
            await stream.PublishAsync(accepted, cancellationToken);
        }

        if (keepRejected)
        {
            foreach (var letter in letters)
            {
                await deadLetters.AddAsync(letter, cancellationToken);
            }
        }

        span?.SetTag("cdp.accepted", accepted.Count).SetTag("cdp.rejected", letters.Count);
        var tag = KeyValuePair.Create<string, object?>("source", source.Id);
        CdpMetrics.MessagesAccepted.Add(accepted.Count, tag);
        CdpMetrics.MessagesRejected.Add(letters.Count, tag);
        activity?.Collected(accepted.Count);
        activity?.DeadLettered(letters.Count);
        CdpMetrics.BotsDropped.Add(bots, tag);
        CdpMetrics.Withheld.Add(withheld, tag);
        CdpMetrics.Filtered.Add(filtered, tag);
        if (errors.Count > 0)
        {
            Logs.MessagesRejected(logger, source.Id, letters.Count, accepted.Count);
        }

        return new CollectResult(
            errors.Count > 0 ? CollectOutcome.Invalid : CollectOutcome.Accepted,
            accepted,
            errors.ToDictionary(),
            keepRejected ? [.. letters.Select(l => l.Id)] : [],
            bots,
            Withheld: withheld,
            Filtered: filtered)
        {
            BoundProfileIds = source.Binding == BindingMode.Early ? [.. accepted.Select(m => m.ProfileId)] : null,
        };
    }

    /// <summary>
    /// The collector's fields win over the client's: source, receive time, id when absent, and the
    /// timestamp corrected for the client's clock skew, keeping the client's as <c>originalTimestamp</c>.
    /// </summary>
    /// Null when the corrected time is outside the source's window (or past what a date can hold).
    private static Message? Stamp(Message message, SourceDefinition source, DateTimeOffset receivedAt)
    {
        var original = message.Timestamp;
        var timestamp = original is null
            ? receivedAt
            : message.SentAt is { } sentAt ? Corrected(original.Value, sentAt, receivedAt) : original.Value;
        if (timestamp is not { } at || at < receivedAt.AddDays(-source.MaxEventAgeDays) || at > receivedAt.AddMinutes(source.MaxEventAheadMinutes))
        {
            return null;
        }

        return message with
        {
            MessageId = message.MessageId.Length > 0 ? message.MessageId : Guid.CreateVersion7(receivedAt).ToString(),
            SourceId = source.Id,
            ReceivedAt = receivedAt,
            Timestamp = at,
            OriginalTimestamp = original,
            TraceParent = CdpTracing.CurrentParent,
        };
    }

    /// <summary>The message's JSON as received, for its dead letter; what the JSON model refuses to write is described instead.</summary>
    /// <summary>A letter's body with the write key that authenticated the request blanked wherever it appears (a batch entry, malformed JSON).</summary>
    private static string WithoutKey(string body, string? writeKey) =>
        writeKey is { Length: > 0 } key ? body.Replace(key, "[write key]", StringComparison.Ordinal) : body;

    private static string RawJson(JsonNode json)
    {
        try
        {
            return json.ToJsonString();
        }
        catch (ArgumentException ex)
        {
            return JsonSerializer.Serialize(new { unreadable = ex.Message });
        }
    }

    /// <summary>The client's time shifted by its clock's skew (<paramref name="sentAt"/> against the receive time); null past what a date holds.</summary>
    private static DateTimeOffset? Corrected(DateTimeOffset original, DateTimeOffset sentAt, DateTimeOffset receivedAt)
    {
        var ticks = (Int128)receivedAt.UtcTicks - ((Int128)sentAt.UtcTicks - original.UtcTicks);
        return ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks ? null : new DateTimeOffset((long)ticks, TimeSpan.Zero);
    }

    /// <summary>
    /// The messages of a <c>/v1/batch</c> body, each made standalone: the batch's <c>context</c> merged
    /// under the message's own, and the batch's <c>sentAt</c> when the message has none.
    /// </summary>
    private static List<Item> ReadBatch(JsonObject envelope, List<BatchEntry>? entries = null, List<int>? invalidText = null)
    {
        if (envelope["batch"] is not JsonArray batch)
        {
            return [new Item(envelope, MessageType.Track, string.Empty, Single("batch", "'batch' must be an array of messages."), null)];
        }

        var context = envelope["context"] as JsonObject;
        var sentAt = envelope["sentAt"];
        var items = new List<Item>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var prefix = $"batch[{i}].";
            var entry = entries is not null && i < entries.Count ? entries[i] : (BatchEntry?)null;
            var size = entry?.Size;
            if (batch[i] is not JsonObject message)
            {
                items.Add(new Item(new JsonObject(), MessageType.Track, prefix, Single($"batch[{i}]", "Each batch entry must be a JSON object."), size));
                continue;
            }

            if (entry is { } held && invalidText?.Find(held.Holds) is { } at && held.Holds(at))
            {
                items.Add(new Item(message, MessageType.Track, prefix, Single($"batch[{i}]", MessageReader.InvalidText(at)), size));
                continue;
            }

            try
            {
                // The tree was parsed for this request only, so each message is completed in place.
                var standalone = message;
                if (context is not null)
                {
                    standalone["context"] = JsonMerge.Merge(context, standalone["context"] as JsonObject);
                }

                if (sentAt is not null && !standalone.ContainsKey("sentAt"))
                {
                    standalone["sentAt"] = sentAt.DeepClone();
                }

                items.Add(ReadEntry(standalone, prefix, size));
            }
            catch (ArgumentException ex)
            {
                // A hostile shape the JSON model refuses when it is read (a property named twice): this entry only.
                items.Add(new Item(message, MessageType.Track, prefix, Single($"batch[{i}]", $"The message cannot be read: {ex.Message}"), size));
            }
        }

        return items;
    }

    /// <summary>A message that names its own type (a batch entry, or a replayed letter).</summary>
    private static Item ReadEntry(JsonObject message, string prefix, int? size)
    {
        var typeName = message["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        return MessageReader.TryParseType(typeName, out var type)
            ? new Item(message, type, prefix, null, size)
            : new Item(message, MessageType.Track, prefix, Single($"{prefix}type", $"'type' must be one of identify, track, page, screen, group, alias (was '{typeName}')."), size);
    }

    /// <summary>
    /// A single message as it is kept if refused: with its <c>type</c>, so that it replays on its own, and
    /// without the write key, which is never stored.
    /// </summary>
    private static JsonObject Standalone(JsonObject json, MessageType type)
    {
        // The tree was parsed for this request only, so it is completed in place.
        json.Remove("writeKey");
        json["type"] ??= MessageReader.Name(type);
        return json;
    }

    /// <summary>A replayed body is either a batch or one message with its <c>type</c>.</summary>
    private static List<Item> ReadBatchOrSingle(JsonObject json) =>
        json.ContainsKey("batch") ? ReadBatch(json) : [ReadEntry(json, string.Empty, null)];

    private static string? WriteKeyIn(JsonObject? json) =>
        json?["writeKey"] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static DeadLetter NewDeadLetter(string sourceId, string reason, string body, string? messageId, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at).ToString(), DeadLetter.CollectStage, sourceId, reason, body, at, messageId);

    private async Task<string> DeadLetterAsync(string sourceId, string reason, string body, string? messageId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var letter = NewDeadLetter(sourceId, reason, body, messageId, at);
        await deadLetters.AddAsync(letter, cancellationToken);
        return letter.Id;
    }

    private static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        string.Join(" ", errors.SelectMany(pair => pair.Value.Select(problem => $"{pair.Key}: {problem}")));

    private static Dictionary<string, string[]> Single(string field, string problem) => new() { [field] = [problem] };

    /// <summary>
    /// The size in bytes of each entry of the top-level <c>batch</c> array, as sent: measured by scanning the
    /// body once, so that the 32 KB limit per message costs no re-serialization. Empty when not found.
    /// </summary>
    /// <summary>Where a batch entry's JSON is in the request body, and how many bytes it takes.</summary>
    internal readonly record struct BatchEntry(int Start, int Size)
    {
        public bool Holds(int offset) => offset >= Start && offset < Start + Size;
    }

    internal static List<BatchEntry> BatchEntries(ReadOnlySpan<byte> body)
    {
        var sizes = new List<BatchEntry>();
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return sizes;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isBatch = reader.ValueTextEquals("batch"u8);
            reader.Read();
            if (!isBatch || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = reader.TokenStartIndex;
                reader.Skip();
                sizes.Add(new BatchEntry((int)start, (int)(reader.BytesConsumed - start)));
            }

            return sizes;
        }

        return sizes;
    }

    private sealed record Item(JsonObject Json, MessageType Type, string Prefix, IReadOnlyDictionary<string, string[]>? Error, int? Size);
}
