namespace Cdp.Http;

/// <summary>
/// Every route of the API, declared once. Templates are relative to <see cref="Prefix"/>: the Function App
/// gets the prefix from host.json (<c>extensions.http.routePrefix</c>), Cdp.Local adds it when mapping.
/// </summary>
public static class CdpRoutes
{
    public const string Prefix = "api";

    /// <summary>
    /// <c>POST</c>: the Segment HTTP Tracking API; <c>{type}</c> is <c>identify</c>, <c>track</c>, <c>page</c>,
    /// <c>screen</c>, <c>group</c>, <c>alias</c> (one message) or <c>batch</c>.
    /// </summary>
    public const string Collect = "v1/{type}";

    /// <summary><c>POST</c>: a Tracardi-style track request.</summary>
    public const string Track = "track";

    /// <summary><c>GET</c> (admin): dead letters, a page at a time; <c>DELETE</c>: delete a page of them.</summary>
    public const string DeadLetters = "deadletters";

    /// <summary><c>DELETE</c> (admin): delete one dead letter.</summary>
    public const string DeadLetter = "deadletters/{id}";

    /// <summary><c>POST</c> (admin): replay one dead letter.</summary>
    public const string DeadLetterReplay = "deadletters/{id}/replay";

    /// <summary><c>POST</c> (admin): replay a page of dead letters.</summary>
    public const string DeadLettersReplay = "deadletters/replay";

    /// <summary><c>GET</c>: one profile by id; <c>DELETE</c>: start the erasure of the person (<c>202</c>, status URL in <c>Location</c>).</summary>
    public const string Profile = "profiles/{id}";

    /// <summary><c>GET</c>: a profile's ledger (links, merges, moves with their evidence).</summary>
    public const string ProfileLedger = "profiles/{id}/ledger";

    /// <summary><c>GET</c> with optional <c>?limit=N</c>: a profile's newest events, including merged profiles'.</summary>
    public const string ProfileEvents = "profiles/{id}/events";

    /// <summary><c>GET</c> with <c>?identifier=type:value</c>: the profile that holds an identifier.</summary>
    public const string Profiles = "profiles";

    /// <summary><c>GET</c>: everything held on a person (profile, ledger, events, segment history, journeys).</summary>
    public const string ProfileExport = "profiles/{id}/export";

    /// <summary><c>POST</c> <c>{"identifier": "type:value"}</c>: start the erasure of whoever holds an identifier (or suppress it).</summary>
    public const string PrivacyErasures = "privacy/erasures";

    /// <summary><c>GET</c>: an erasure's status, and once completed its receipt.</summary>
    public const string PrivacyErasure = "privacy/erasures/{id}";

    /// <summary><c>POST</c>: a new master key generation (rotation), every generation rewrapped with the key wrapper's current version.</summary>
    public const string PrivacyMasterKeys = "privacy/master-keys";

    /// <summary><c>POST</c> with optional <c>?after=&amp;limit=</c>: rewrap a page of data keys onto the latest master key generation.</summary>
    public const string PrivacyMasterKeysRewrap = "privacy/master-keys/rewrap";

    /// <summary><c>GET</c> with optional <c>?from=&amp;to=&amp;profileId=&amp;actor=&amp;action=&amp;limit=</c>: the audit trail of the admin API, newest first.</summary>
    public const string Audit = "audit";

    /// <summary><c>PUT</c>: a profile's consent decision for one purpose.</summary>
    public const string ProfileConsent = "profiles/{id}/consents/{purpose}";

    /// <summary><c>GET</c>: a profile's journey instances.</summary>
    public const string ProfileJourneys = "profiles/{id}/journeys";

    /// <summary><c>GET</c>: every journey definition.</summary>
    public const string Journeys = "journeys";

    /// <summary><c>PUT</c> (create or change), <c>GET</c>, <c>DELETE</c>: one journey definition.</summary>
    public const string Journey = "journeys/{id}";

    /// <summary><c>GET</c> with optional <c>?status=</c>, <c>?after=</c>, <c>?limit=</c>: a journey's instances, a page at a time.</summary>
    public const string JourneyInstances = "journeys/{id}/instances";

    /// <summary><c>GET</c>: a journey's counts (entered, by status, exits by reason, per step).</summary>
    public const string JourneyMetrics = "journeys/{id}/metrics";

    /// <summary><c>GET</c>: one journey instance: its record (status, current step, history) and the runtime's view.</summary>
    public const string JourneyInstance = "journeys/instances/{instanceId}";

    /// <summary><c>POST</c>: terminate a journey instance.</summary>
    public const string JourneyInstanceTerminate = "journeys/instances/{instanceId}/terminate";

    /// <summary><c>POST</c>: raise a track event to a journey instance (what its <c>waitFor</c> steps wait for).</summary>
    public const string JourneyInstanceEvent = "journeys/instances/{instanceId}/events/{name}";

    /// <summary><c>POST</c> <c>{"profileId", "journeyId" or "journey"}</c>: the path a journey would take for a person now, changing nothing.</summary>
    public const string JourneyDryRun = "journeys/dryrun";

    /// <summary><c>GET</c>: the step types and actions a journey is built from, with their fields (an editor's palette).</summary>
    public const string JourneyStepTypes = "journey-steps";

    /// <summary><c>GET</c>: every segment with its size.</summary>
    public const string Segments = "segments";

    /// <summary><c>PUT</c> (create or change), <c>GET</c> (with its size and back-fill), <c>DELETE</c>: one segment.</summary>
    public const string Segment = "segments/{id}";

    /// <summary><c>POST</c> <c>{"rule", "segmentId"?}</c>: whether a rule can be saved (errors at their character) and whom it matches in a sample.</summary>
    public const string SegmentPreview = "segments/preview";

    /// <summary><c>GET</c> with optional <c>?limit=N</c>: a segment's newest transitions (entered, exited).</summary>
    public const string SegmentTransitions = "segments/{id}/transitions";

    /// <summary><c>GET</c> (admin): every source with its binding and request limits (never a key).</summary>
    public const string Sources = "sources";

    /// <summary><c>GET</c>, <c>PUT</c> (create, with its write key in the reply; or change), <c>DELETE</c> (admin): one source.</summary>
    public const string Source = "sources/{id}";

    /// <summary><c>POST</c> (admin): a new write key for a source created over the API (in the reply; the old one stops working).</summary>
    public const string SourceKey = "sources/{id}/key";

    /// <summary><c>GET</c> (admin): every destination (secrets by name only).</summary>
    public const string Destinations = "destinations";

    /// <summary><c>GET</c>, <c>PUT</c> (create or change), <c>DELETE</c> (admin): one destination.</summary>
    public const string Destination = "destinations/{id}";

    /// <summary><c>GET</c> (admin): a destination's delivery status (last success and error, counts, backlog).</summary>
    public const string DestinationStatus = "destinations/{id}/status";

    /// <summary><c>POST</c> (admin) <c>?id=&amp;source=&amp;format=</c>: a bulk import of NDJSON or CSV rows.</summary>
    public const string Imports = "imports";

    /// <summary><c>GET</c> (admin): an import's progress.</summary>
    public const string Import = "imports/{id}";

    /// <summary><c>GET</c> (admin) with optional <c>?minutes=N</c>: messages collected and applied, merges and dead letters per minute, and ingest's lag.</summary>
    public const string Activity = "activity";

    /// <summary><c>GET</c>: liveness.</summary>
    public const string Health = "health";

    /// <summary><c>GET</c> (admin): each consumer's lag and last error, and the dead letters waiting by stage.</summary>
    public const string Status = "status";

    /// <summary>The absolute path of a journey definition.</summary>
    public static string JourneyPath(string id) => $"/{Prefix}/journeys/{Uri.EscapeDataString(id)}";

    /// <summary>The absolute path of a journey instance.</summary>
    public static string JourneyInstancePath(string instanceId) => $"/{Prefix}/journeys/instances/{Uri.EscapeDataString(instanceId)}";
}
