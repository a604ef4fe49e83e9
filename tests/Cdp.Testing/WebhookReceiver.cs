using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cdp.Testing;

/// <summary>
/// A real HTTP server (Kestrel on a loopback port the system assigns) that records every request it receives
/// (path, body, headers) and answers with the next of the given status codes (then 200 once they run out).
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<HttpStatusCode> _answers;

    public WebhookReceiver(params HttpStatusCode[] answers)
    {
        _answers = new ConcurrentQueue<HttpStatusCode>(answers);
        _app = LoopbackServer.Start(app => app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var status = _answers.TryDequeue(out var next) ? next : HttpStatusCode.OK;
            var call = new ReceivedWebhook(context.Request.Path, body, headers, (int)status);
            Calls.Enqueue(call);
            if (OnCall is { } onCall)
            {
                await onCall(call);
            }

            context.Response.StatusCode = (int)status;
        }), out var url);
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Runs for each request after it is recorded and before it is answered (what happens meanwhile elsewhere).</summary>
    public Func<ReceivedWebhook, Task>? OnCall { get; set; }

    /// <summary>Every request received, in order (failed attempts included).</summary>
    public ConcurrentQueue<ReceivedWebhook> Calls { get; } = new();

    public void Dispose() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>One request a <see cref="WebhookReceiver"/> received and what it answered.</summary>
public sealed record ReceivedWebhook(string Path, string Body, IReadOnlyDictionary<string, string> Headers, int AnsweredStatus);
