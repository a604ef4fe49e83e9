using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Mime;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>What every built-in client shares: sending one request and reading its answer as a <see cref="DeliveryResult"/>.</summary>
internal static class DestinationHttp
{
    /// <summary>The named client (<c>IHttpClientFactory</c>) every destination sends through.</summary>
    public const string ClientName = "cdp-destinations";

    /// <summary>How long one request may take before it counts as a transient failure.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, MediaTypeNames.Application.Json);

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    /// <summary>The settings' <c>endpoint</c> (a regional or test host) or the tool's own, without a trailing slash.</summary>
    public static string Endpoint(DestinationDefinition destination, string fallback) =>
        (destination.Settings.GetValueOrDefault("endpoint") is { Length: > 0 } endpoint ? endpoint : fallback).TrimEnd('/');

    public static bool IsHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>
    /// Sends the request: a success is read by <paramref name="onSuccess"/> (or is <see cref="DeliveryResult.Done"/>); 408, 429
    /// and 5xx, a timeout or a network failure are <see cref="DeliveryOutcome.Retry"/> (with the answer's <c>Retry-After</c>);
    /// any other answer is <see cref="DeliveryOutcome.Refused"/> with its status and the start of its body.
    /// </summary>
    public static async Task<DeliveryResult> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken, Func<string, DeliveryResult>? onSuccess = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return onSuccess?.Invoke(body) ?? DeliveryResult.Done;
            }

            var error = string.Create(CultureInfo.InvariantCulture, $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}: {Excerpt(body)}");
            return IsTransient(response.StatusCode)
                ? new DeliveryResult(DeliveryOutcome.Retry, error, RetryAfter(response))
                : new DeliveryResult(DeliveryOutcome.Refused, error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} took longer than {Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} failed: {ex.Message}");
        }
    }

    /// <summary>The text of a JSON value as a tool's text field takes it (strings as they are, others as JSON).</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    private static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static string Excerpt(string body)
    {
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length == 0 ? "(no body)" : line.Length <= 300 ? line : line[..300] + "…";
    }
}
