using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Core.Ingest;

/// <summary>
/// Which profile a message belongs to, by one rule used both when ingest applies it and when the
/// collector tells a client its profile id ahead of ingest: the owner of the message's strongest known
/// identifier; else the profile id hint the client holds, if that profile exists; else a new profile
/// whose id is derived from the message id.
/// </summary>
public sealed class ProfileResolver(IIdentityIndex index, IProfileStore profiles)
{
    /// <summary>The message's identifiers, strongest first: <c>user_id</c>, then <c>anonymous_id</c>.</summary>
    public static List<Identifier> IdentifiersOf(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var identifiers = new List<Identifier>(3);
        if (message.UserId is { Length: > 0 } userId)
        {
            identifiers.Add(new Identifier(Identifier.UserId, userId));
        }

        if (message.AnonymousId is { Length: > 0 } anonymousId)
        {
            identifiers.Add(new Identifier(Identifier.AnonymousId, anonymousId));
        }

        // An alias links the id the person had before; until identity resolution knows its type, it is
        // treated as an anonymous id.
        if (message.Type == MessageType.Alias && message.PreviousId is { Length: > 0 } previousId)
        {
            identifiers.Add(new Identifier(Identifier.AnonymousId, previousId));
        }

        return identifiers;
    }

    /// <summary>The profile the message belongs to by the rule above (nothing is claimed or written).</summary>
    public async Task<string> ResolveAsync(Message message, IReadOnlyList<Identifier> identifiers, CancellationToken cancellationToken) =>
        (await LookUpAsync(message, identifiers, cancellationToken)).ProfileId;

    /// <summary>
    /// The profile the message belongs to, and the current owner of each of its identifiers (null when
    /// unclaimed), so that the caller claims only what is not already held.
    /// </summary>
    public async Task<Resolution> LookUpAsync(Message message, IReadOnlyList<Identifier> identifiers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(identifiers);
        var owners = new string?[identifiers.Count];
        string? profileId = null;
        for (var i = 0; i < identifiers.Count; i++)
        {
            owners[i] = await index.FindAsync(identifiers[i], cancellationToken);
            profileId ??= owners[i];
        }

        if (profileId is null && message.ProfileId is { Length: > 0 } hint && await profiles.GetAsync(hint, cancellationToken) is not null)
        {
            profileId = hint;
        }

        return new Resolution(profileId ?? NewProfileId(message.MessageId), owners);
    }

    /// <summary>A deterministic id for the profile a message creates: the same message always yields the same id.</summary>
    public static string NewProfileId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(messageId));
        return "p_" + Convert.ToHexStringLower(hash, 0, 12);
    }
}

/// <summary>The profile a message belongs to, and the owner of each of its identifiers (in the same order; null = unclaimed).</summary>
public sealed record Resolution(string ProfileId, IReadOnlyList<string?> Owners);
