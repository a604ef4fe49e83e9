using System.Text.Json;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest's dead letters: a message that can never be applied, kept with its reason under an id derived from it
/// (a redelivered batch writes the same letter again, not a second one), and a stream event that is not a message.
/// </summary>
internal sealed class IngestDeadLetters(IDeadLetterStore store, TimeProvider time, ILogger logger, Activity.ActivityCounters? activity = null)
{
    /// <summary>Keeps <paramref name="message"/> as it was on the stream.</summary>
    public async Task KeepAsync(Message message, string reason, CancellationToken cancellationToken)
    {
        var id = "ingest-" + IProcessedMessageLog.KeyFor(message.SourceId, message.MessageId);
        await store.AddAsync(
            new DeadLetter(id, DeadLetter.IngestStage, message.SourceId, reason, JsonSerializer.Serialize(message, CdpJson.Options), time.GetUtcNow(), message.MessageId),
            cancellationToken);
        CdpMetrics.IngestDeadLettered.Add(1);
        activity?.DeadLettered(1);
        Logs.MessageDeadLettered(logger, message.MessageId, reason);
    }

    /// <summary>Keeps a stream event that is not a readable message, its body as delivered.</summary>
    public async Task KeepUnreadableAsync(string body, string reason, CancellationToken cancellationToken)
    {
        var hash = IProcessedMessageLog.KeyFor(null, body);
        await store.AddAsync(new DeadLetter("ingest-raw-" + hash, DeadLetter.IngestStage, null, reason, body, time.GetUtcNow()), cancellationToken);
        CdpMetrics.IngestDeadLettered.Add(1);
        activity?.DeadLettered(1);
        Logs.MessageDeadLettered(logger, "(unreadable)", reason);
    }
}
