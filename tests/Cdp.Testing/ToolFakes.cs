using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cdp.Testing;

/// <summary>
/// A local stand-in for a tool a destination sends to: a real HTTP server (Kestrel on a loopback port) implementing the
/// subset of the tool's documented API the destination uses, its authentication (a wrong credential gets the tool's 401),
/// and its rate limiting: <see cref="ThrottleNext"/> makes the next requests answer 429 with <c>Retry-After</c>.
/// </summary>
public abstract class ToolFake : IDisposable
{
    private readonly WebApplication _app;
    private int _throttle;

    protected ToolFake()
    {
        _app = LoopbackServer.Start(app =>
        {
            app.Use(async (context, next) =>
            {
                Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
                if (Interlocked.Decrement(ref _throttle) >= 0)
                {
                    Interlocked.Increment(ref _throttled);
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.Response.Headers.RetryAfter = "1";
                    await context.Response.WriteAsJsonAsync(new { message = "Too many requests" });
                    return;
                }

                Interlocked.Exchange(ref _throttle, 0);
                await next(context);
            });
            Map(app);
        }, out var url);
        Url = new Uri(url.ToString().TrimEnd('/'));
    }

    private int _throttled;

    /// <summary>The fake's base address.</summary>
    public Uri Url { get; }

    /// <summary>The base address without its trailing slash, as a destination's <c>settings.endpoint</c> takes it.</summary>
    public string Endpoint => Url.ToString().TrimEnd('/');

    /// <summary>Every request, "METHOD path", in order (throttled and refused ones included).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>How many requests were answered 429.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>The next <paramref name="requests"/> requests are answered 429 with <c>Retry-After: 1</c>.</summary>
    public void ThrottleNext(int requests) => Volatile.Write(ref _throttle, requests);

    protected abstract void Map(WebApplication app);

    protected static async Task<JsonNode?> BodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>The user and password of HTTP Basic credentials, or null.</summary>
    protected static (string User, string Password)? Basic(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) || header.Scheme != "Basic" || header.Parameter is null)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
    }

    public void Dispose()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Segment's (and RudderStack's) HTTP Tracking API, <c>POST /v1/batch</c>: HTTP Basic with the write key as user; a wrong
/// key is 401 (as RudderStack answers; Segment's own API answers 200 and drops it). Messages are kept by messageId.
/// </summary>
public sealed class SegmentFake(string writeKey) : ToolFake
{
    public ConcurrentDictionary<string, JsonObject> Messages { get; } = new(StringComparer.Ordinal);

    /// <summary>How many messages arrived, repeats of a messageId included.</summary>
    public int Received => _received;

    private int _received;

    protected override void Map(WebApplication app) => app.MapPost("/v1/batch", async (HttpRequest request) =>
    {
        if (Basic(request) is not { } credentials || credentials.User != writeKey)
        {
            return Results.Json(new { message = "Invalid write key" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        if ((await BodyAsync(request))?["batch"] is not JsonArray batch || batch.Count > 100)
        {
            return Results.Json(new { message = "Invalid request" }, statusCode: StatusCodes.Status400BadRequest);
        }

        foreach (var message in batch.OfType<JsonObject>())
        {
            Interlocked.Increment(ref _received);
            Messages[message["messageId"]!.GetValue<string>()] = (JsonObject)message.DeepClone();
        }

        return Results.Json(new { success = true });
    });
}

/// <summary>
/// HubSpot's CRM API v3: <c>POST /crm/v3/objects/contacts/batch/upsert</c> (by email, up to 100 inputs; results with each
/// contact's record id) and <c>PUT /crm/v3/lists/{listId}/memberships/add|remove</c> (an array of record ids). A wrong
/// bearer token is HubSpot's 401 (category INVALID_AUTHENTICATION); an unknown list is 404.
/// </summary>
public sealed class HubSpotFake(string accessToken, params string[] listIds) : ToolFake
{
    private int _nextId = 1000;

    /// <summary>Contacts by email: their record id and properties.</summary>
    public ConcurrentDictionary<string, (string Id, JsonObject Properties)> Contacts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each list's members (record ids).</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> Lists { get; } = new(listIds.Select(l => KeyValuePair.Create(l, new ConcurrentDictionary<string, bool>())));

    /// <summary>The emails of a list's members.</summary>
    public IReadOnlyList<string> Members(string listId) =>
        [.. Contacts.Where(c => Lists[listId].ContainsKey(c.Value.Id)).Select(c => c.Key).Order(StringComparer.Ordinal)];

    protected override void Map(WebApplication app)
    {
        app.MapPost("/crm/v3/objects/contacts/batch/upsert", async (HttpRequest request) =>
        {
            if (Refused(request) is { } refused)
            {
                return refused;
            }

            if ((await BodyAsync(request))?["inputs"] is not JsonArray inputs || inputs.Count is 0 or > 100)
            {
                return Error(StatusCodes.Status400BadRequest, "VALIDATION_ERROR", "inputs: 1 to 100 contacts.");
            }

            var results = new JsonArray();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                if (input["idProperty"]?.GetValue<string>() != "email" || input["id"]?.GetValue<string>() is not { Length: > 0 } email)
                {
                    return Error(StatusCodes.Status400BadRequest, "VALIDATION_ERROR", "idProperty email and an id are required.");
                }

                var contact = Contacts.AddOrUpdate(
                    email,
                    _ => (Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture), new JsonObject()),
                    (_, held) => held);
                foreach (var (name, value) in input["properties"] as JsonObject ?? [])
                {
                    if (value is not null && value.GetValueKind() != System.Text.Json.JsonValueKind.String)
                    {
                        return Error(StatusCodes.Status400BadRequest, "VALIDATION_ERROR", $"Property values are strings: {name}.");
                    }

                    contact.Properties[name] = value?.DeepClone();
                }

                var properties = (JsonObject)contact.Properties.DeepClone();
                properties["email"] = email;
                results.Add(new JsonObject { ["id"] = contact.Id, ["properties"] = properties });
            }

            return Results.Json(new JsonObject { ["status"] = "COMPLETE", ["results"] = results });
        });
        app.MapPut("/crm/v3/lists/{listId}/memberships/{change}", async (HttpRequest request, string listId, string change) =>
        {
            if (Refused(request) is { } refused)
            {
                return refused;
            }

            if (!Lists.TryGetValue(listId, out var members) || change is not ("add" or "remove"))
            {
                return Error(StatusCodes.Status404NotFound, "OBJECT_NOT_FOUND", $"List {listId} does not exist.");
            }

            var ids = ((await BodyAsync(request)) as JsonArray ?? []).Select(id => id!.GetValue<string>()).ToList();
            foreach (var id in ids)
            {
                if (change == "add")
                {
                    members[id] = true;
                }
                else
                {
                    members.TryRemove(id, out _);
                }
            }

            return Results.Json(new JsonObject { [change == "add" ? "recordIdsAdded" : "recordIdsRemoved"] = new JsonArray([.. ids.Select(i => JsonValue.Create(i))]), ["recordIdsMissing"] = new JsonArray() });
        });
    }

    private IResult? Refused(HttpRequest request) =>
        AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme == "Bearer" && header.Parameter == accessToken
            ? null
            : Error(StatusCodes.Status401Unauthorized, "INVALID_AUTHENTICATION", "Authentication credentials not found.");

    private static IResult Error(int status, string category, string message) =>
        Results.Json(new { status = "error", message, category }, statusCode: status);
}

/// <summary>
/// Mailchimp Marketing API 3.0: <c>PUT /3.0/lists/{listId}/members/{subscriber_hash}</c> (add or update; a new member gets
/// <c>status_if_new</c>, an existing one keeps its status) and <c>POST …/members/{hash}/tags</c> (tags active or
/// inactive, 204). HTTP Basic with any user and the API key; a wrong key is Mailchimp's 401 "API Key Invalid"; a hash
/// that is not the MD5 of the lower-cased email is 400; an unknown list or member 404.
/// </summary>
public sealed class MailchimpFake(string apiKey, string listId) : ToolFake
{
    /// <summary>Members by email: status, merge fields and active tags.</summary>
    public ConcurrentDictionary<string, Member> Members { get; } = new(StringComparer.OrdinalIgnoreCase);

    public sealed record Member(string Status, JsonObject MergeFields, ConcurrentDictionary<string, bool> Tags);

    protected override void Map(WebApplication app)
    {
        app.MapPut("/3.0/lists/{list}/members/{hash}", async (HttpRequest request, string list, string hash) =>
        {
            if (Refused(request, list) is { } refused)
            {
                return refused;
            }

            var body = await BodyAsync(request) as JsonObject;
            if (body?["email_address"]?.GetValue<string>() is not { Length: > 0 } email || Hash(email) != hash)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid Resource", "The email does not match the subscriber hash.");
            }

            var member = Members.GetOrAdd(email, _ => new Member(body["status_if_new"]?.GetValue<string>() ?? "subscribed", [], new()));
            foreach (var (name, value) in body["merge_fields"] as JsonObject ?? [])
            {
                member.MergeFields[name] = value?.DeepClone();
            }

            return Results.Json(new JsonObject { ["id"] = hash, ["email_address"] = email, ["status"] = member.Status, ["merge_fields"] = member.MergeFields.DeepClone() });
        });
        app.MapPost("/3.0/lists/{list}/members/{hash}/tags", async (HttpRequest request, string list, string hash) =>
        {
            if (Refused(request, list) is { } refused)
            {
                return refused;
            }

            if (Members.FirstOrDefault(m => Hash(m.Key) == hash).Value is not { } member)
            {
                return Problem(StatusCodes.Status404NotFound, "Resource Not Found", "The member does not exist.");
            }

            foreach (var tag in (await BodyAsync(request))?["tags"] as JsonArray ?? [])
            {
                var name = tag!["name"]!.GetValue<string>();
                if (tag["status"]!.GetValue<string>() == "active")
                {
                    member.Tags[name] = true;
                }
                else
                {
                    member.Tags.TryRemove(name, out _);
                }
            }

            return Results.NoContent();
        });
    }

#pragma warning disable CA5351 // Mailchimp's subscriber hash is an MD5.
    public static string Hash(string email) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant())));
#pragma warning restore CA5351

    private IResult? Refused(HttpRequest request, string list) =>
        Basic(request)?.Password != apiKey ? Problem(StatusCodes.Status401Unauthorized, "API Key Invalid", "Your API key may be invalid, or you've attempted to access the wrong datacenter.")
        : list != listId ? Problem(StatusCodes.Status404NotFound, "Resource Not Found", "The requested resource could not be found.")
        : null;

    private static IResult Problem(int status, string title, string detail) =>
        Results.Json(new { type = "https://mailchimp.com/developer/marketing/docs/errors/", title, status, detail }, statusCode: status, contentType: "application/problem+json");
}

/// <summary>
/// A Slack incoming webhook, <c>POST /services/T000/B000/{token}</c> with <c>{"text"}</c>: <c>ok</c> as plain text; a wrong
/// token is Slack's 403 <c>invalid_token</c>; no text is 400 <c>no_text</c>.
/// </summary>
public sealed class SlackFake(string token) : ToolFake
{
    public ConcurrentQueue<string> Texts { get; } = new();

    public string WebhookUrl(string? otherToken = null) => $"{Endpoint}/services/T000/B000/{otherToken ?? token}";

    protected override void Map(WebApplication app) => app.MapPost("/services/T000/B000/{given}", async (HttpRequest request, string given) =>
    {
        if (given != token)
        {
            return Results.Text("invalid_token", statusCode: StatusCodes.Status403Forbidden);
        }

        if ((await BodyAsync(request))?["text"]?.GetValue<string>() is not { Length: > 0 } text)
        {
            return Results.Text("no_text", statusCode: StatusCodes.Status400BadRequest);
        }

        Texts.Enqueue(text);
        return Results.Text("ok");
    });
}

/// <summary>
/// Google Analytics 4's Measurement Protocol, <c>POST /mp/collect?measurement_id&amp;api_secret</c>: 204 always, as the real
/// endpoint answers; a request with an unknown measurement id or secret, or an invalid event, is dropped without a word
/// (the real endpoint's behaviour), so only <see cref="Events"/> tells what counted.
/// </summary>
public sealed class Ga4Fake(string measurementId, string apiSecret) : ToolFake
{
    /// <summary>The events counted: client id, user id and the event.</summary>
    public ConcurrentQueue<(string ClientId, string? UserId, JsonObject Event)> Events { get; } = new();

    public int Dropped => _dropped;

    private int _dropped;

    protected override void Map(WebApplication app) => app.MapPost("/mp/collect", async (HttpRequest request) =>
    {
        var body = await BodyAsync(request) as JsonObject;
        if (request.Query["measurement_id"] != measurementId || request.Query["api_secret"] != apiSecret
            || body?["client_id"]?.GetValue<string>() is not { Length: > 0 } clientId || body["events"] is not JsonArray { Count: > 0 and <= 25 } events)
        {
            Interlocked.Increment(ref _dropped);
            return Results.NoContent();
        }

        foreach (var e in events.OfType<JsonObject>())
        {
            Events.Enqueue((clientId, body["user_id"]?.GetValue<string>(), (JsonObject)e.DeepClone()));
        }

        return Results.NoContent();
    });
}
