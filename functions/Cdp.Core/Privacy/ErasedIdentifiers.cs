using Cdp.Core.Events;
using Cdp.Core.Identity;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Privacy;

/// <summary>
/// What ingest does with a message carrying an identifier of an erased person (its index entry owned by
/// <see cref="IdentitySuppression.Owner"/>): by <see cref="SuppressionMode"/>, drop it or apply it without that identifier.
/// </summary>
internal sealed class ErasedIdentifiers(SuppressionMode mode, ILogger logger)
{
    /// <summary>
    /// The message's identifiers unless one is erased: then null (drop), or with <see cref="SuppressionMode.Anonymize"/>
    /// the others, when any remain. The look-ups are the session's, so resolution reads the index no more than before.
    /// </summary>
    public async ValueTask<List<MessageIdentifier>?> UsableAsync(ProfileSession session, Message message, List<MessageIdentifier> identifiers, CancellationToken cancellationToken)
    {
        List<MessageIdentifier>? kept = null;
        for (var i = 0; i < identifiers.Count; i++)
        {
            if (IdentitySuppression.IsSuppressed(await session.OwnerAsync(identifiers[i].Key, cancellationToken)))
            {
                kept ??= identifiers.GetRange(0, i);
            }
            else
            {
                kept?.Add(identifiers[i]);
            }
        }

        if (kept is null)
        {
            return identifiers;
        }

        var anonymize = mode == SuppressionMode.Anonymize && kept.Count > 0;
        CdpMetrics.Suppressed.Add(1, KeyValuePair.Create<string, object?>("mode", anonymize ? "anonymized" : "dropped"));
        Logs.MessageSuppressed(logger, message.MessageId, anonymize ? "applied without it and without traits" : "dropped");
        return anonymize ? kept : null;
    }
}
