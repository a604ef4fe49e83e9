using System.Globalization;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using Cdp.Core;
using Cdp.Core.Journeys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Journeys;

/// <summary>
/// Posts a webhook step: the body rendered from the profile now, signed with HMAC-SHA256 over
/// <c>{timestamp}.{body}</c> (headers <see cref="TimestampHeader"/> and <see cref="SignatureHeader"/>, <c>v1=</c> and
/// the hex digest), with an <c>Idempotency-Key</c> (instance and step) since a retry after a timeout may post twice.
/// A non-success answer or a timeout throws, so the orchestrator retries. An acknowledged call is recorded in the
/// instance's record, and a step acknowledged before is not called again (an instance resumed after a restart). A call whose consent purpose the profile
/// does not grant now is not made (<see cref="WebhookResult.ConsentAbsent"/>).
/// </summary>
public sealed class WebhookSender(HttpClient http, JourneyActivities activities, IOptions<JourneyOptions> options, TimeProvider time, ILogger<WebhookSender> logger)
{
    public const string SignatureHeader = "X-Cdp-Signature";
    public const string TimestampHeader = "X-Cdp-Timestamp";

    public async Task<WebhookResult> SendAsync(JourneyWebhook call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var key = Key(options.Value.WebhookSecret);
        if (await activities.DeliveredAsync(call.InstanceId, call.Step, cancellationToken))
        {
            // Acknowledged before, and the instance runs the step again (resumed after its host lost it): not twice.
            return new WebhookResult(0, Repeated: true);
        }

        if (call.Purpose is { } purpose && !(await activities.AskAsync(new JourneyQuestion(call.ProfileId, JourneyQuestion.Consent, purpose), cancellationToken)).Yes)
        {
            // Asked at every attempt, whoever calls: a retry hours after a revocation must not contact the person.
            Logs.WebhookRefused(logger, call.InstanceId, purpose);
            return new WebhookResult(0, ConsentAbsent: true);
        }

        var body = await activities.RenderAsync(call, cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, MediaTypeNames.Application.Json),
        };
        request.Headers.Add("Idempotency-Key", $"{call.InstanceId}/{call.Step}");
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(key, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(call.Timeout);
        using var response = await http.SendAsync(request, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            Logs.WebhookFailed(logger, call.InstanceId, call.Url, (int)response.StatusCode);
            throw new HttpRequestException($"The webhook {call.Url} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }

        // Recorded at once: the window in which a crash makes a resumed instance call again is this write, not the
        // orchestration's next steps (the Idempotency-Key, the same on every call of the step, covers what is left).
        await activities.MarkDeliveredAsync(call.InstanceId, call.Step, CancellationToken.None);

        return new WebhookResult((int)response.StatusCode);
    }

    /// <summary>The signature header's value: <c>v1=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c>.</summary>
    public static string Sign(byte[] key, string timestamp, string body) => WebhookSignature.Sign(key, timestamp, body);

    /// <summary>The signing key from its base64 setting.</summary>
    public static byte[] Key(string secret)
    {
        try
        {
            var key = Convert.FromBase64String(secret ?? string.Empty);
            if (key.Length >= 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidOperationException("Cdp:Journeys:WebhookSecret: a signing key of at least 32 bytes in base64 is needed to send webhooks.");
    }
}
