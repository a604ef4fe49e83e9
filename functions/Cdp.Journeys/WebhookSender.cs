using System.Globalization;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using Cdp.Core;
using Cdp.Core.Journeys;
using Cdp.Core.Journeys.Actions;
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
public sealed class WebhookSender(IHttpClientFactory http, JourneyActivities activities, IOptions<JourneyOptions> options, TimeProvider time, ILogger<WebhookSender> logger) : IJourneyWebhooks
{
    /// <summary>The named HTTP client webhooks are posted with.</summary>
    public const string Client = "cdp-webhooks";

    public const string SignatureHeader = "X-Cdp-Signature";
    public const string TimestampHeader = "X-Cdp-Timestamp";

    public async Task<WebhookResult> SendAsync(JourneyWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var key = Key(options.Value.WebhookSecret);
        if (await activities.DeliveredAsync(webhook.InstanceId, webhook.Step, cancellationToken))
        {
            // Acknowledged before, and the instance runs the step again (resumed after its host lost it): not twice.
            return new WebhookResult(0, Repeated: true);
        }

        if (webhook.Purpose is { } purpose && !(await activities.AskAsync(new JourneyQuestion(webhook.ProfileId, JourneyQuestion.Consent, purpose), cancellationToken)).Yes)
        {
            // Asked at every attempt, whoever calls: a retry hours after a revocation must not contact the person.
            Logs.WebhookRefused(logger, webhook.InstanceId, purpose);
            return new WebhookResult(0, ConsentAbsent: true);
        }

        var body = await activities.RenderAsync(webhook, cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, MediaTypeNames.Application.Json),
        };
        request.Headers.Add("Idempotency-Key", $"{webhook.InstanceId}/{webhook.Step}");
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(key, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(webhook.Timeout);
        using var response = await http.CreateClient(Client).SendAsync(request, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            Logs.WebhookFailed(logger, webhook.InstanceId, webhook.Url, (int)response.StatusCode);
            throw new HttpRequestException($"The webhook {webhook.Url} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }

        // Recorded at once: the window in which a crash makes a resumed instance call again is this write, not the
        // orchestration's next steps (the Idempotency-Key, the same on every call of the step, covers what is left).
        await activities.MarkDeliveredAsync(webhook.InstanceId, webhook.Step, CancellationToken.None);

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
