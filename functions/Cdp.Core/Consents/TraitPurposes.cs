using Cdp.Core.Profiles;

namespace Cdp.Core.Consents;

/// <summary>
/// Traits stored only while the profile grants a purpose (<see cref="ConsentOptions.TraitPurposes"/>, trait name →
/// purpose): a value arriving without the grant is withheld (counted in <c>cdp.ingest.traits_withheld</c>).
/// </summary>
public sealed class TraitPurposes(IReadOnlyDictionary<string, string>? purposes)
{
    private readonly Dictionary<string, string> _purposes = new(purposes ?? new Dictionary<string, string>(), StringComparer.Ordinal);

    /// <summary>True when <paramref name="trait"/> needs a purpose the profile does not grant at <paramref name="at"/>.</summary>
    public bool Withholds(Profile profile, string trait, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (_purposes.TryGetValue(trait, out var needed) && !(profile.Consents.TryGetValue(needed, out var consent) && consent.GrantedAt(at)))
        {
            CdpMetrics.TraitsWithheld.Add(1, KeyValuePair.Create<string, object?>("trait", trait));
            return true;
        }

        return false;
    }
}
