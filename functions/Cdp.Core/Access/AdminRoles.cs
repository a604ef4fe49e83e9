namespace Cdp.Core.Access;

/// <summary>
/// The Entra ID app roles of the admin API (values of the app registration's roles, carried in the token's
/// <c>roles</c> claim), and which one a call needs: the privacy routes (erasures, exports, the audit trail, a person's
/// consents) need <see cref="PrivacyOfficer"/>; other reads need <see cref="Reader"/> (which both other roles include);
/// other writes (sources, segments, journeys, destinations, dead letters, imports, profile changes) need
/// <see cref="Operator"/>. Enforced in the Function App with <see cref="AdminOptions.RequireRoles"/>.
/// </summary>
public static class AdminRoles
{
    public const string Reader = "Cdp.Reader";
    public const string Operator = "Cdp.Operator";
    public const string PrivacyOfficer = "Cdp.PrivacyOfficer";

    public static readonly IReadOnlyList<string> All = [Reader, Operator, PrivacyOfficer];

    /// <summary>The role a call of <paramref name="method"/> on <paramref name="path"/> (after <c>/api</c>, e.g. <c>/profiles/p1</c>) needs.</summary>
    public static string Required(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Trim('/').Split('/');
        var privacy = segments[0] is "privacy" or "audit"
            || (segments[0] == "profiles" && segments.Length >= 3 && segments[2] is "export" or "consents");
        if (privacy)
        {
            return PrivacyOfficer;
        }

        return HttpMethods.IsRead(method) ? Reader : Operator;
    }

    /// <summary>True when <paramref name="held"/> includes <paramref name="required"/> (the other roles include <see cref="Reader"/>).</summary>
    public static bool Grants(IReadOnlyCollection<string> held, string required)
    {
        ArgumentNullException.ThrowIfNull(held);
        return held.Contains(required) || (required == Reader && (held.Contains(Operator) || held.Contains(PrivacyOfficer)));
    }

    private static class HttpMethods
    {
        public static bool IsRead(string method) => method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase);
    }
}
