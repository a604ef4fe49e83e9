namespace Cdp.Http;

/// <summary>
/// Every route of the API, declared once. Templates are relative to <see cref="Prefix"/>: the Function App
/// gets the prefix from host.json (<c>extensions.http.routePrefix</c>), Cdp.Local adds it when mapping.
/// </summary>
public static class CdpRoutes
{
    public const string Prefix = "api";

    /// <summary><c>POST</c>: one Segment-style message; <c>{type}</c> is <c>identify</c> or <c>track</c>.</summary>
    public const string Collect = "v1/{type}";

    /// <summary><c>GET</c>: one profile by id.</summary>
    public const string Profile = "profiles/{id}";

    /// <summary><c>GET</c> with <c>?identifier=type:value</c>: the profile that holds an identifier.</summary>
    public const string Profiles = "profiles";

    /// <summary><c>POST</c>: enroll a profile in a journey.</summary>
    public const string JourneyRuns = "journeys/runs";

    /// <summary><c>GET</c>: the status of one journey instance.</summary>
    public const string JourneyRun = "journeys/runs/{instanceId}";

    /// <summary><c>GET</c>: liveness.</summary>
    public const string Health = "health";

    /// <summary>The absolute path of a journey instance's status.</summary>
    public static string JourneyRunPath(string instanceId) => $"/{Prefix}/journeys/runs/{Uri.EscapeDataString(instanceId)}";
}
