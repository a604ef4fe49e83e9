using System.Net;
using Azure;
using Cdp.Core;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure;

/// <summary>
/// The Azure SDKs' transient failures: Cosmos DB and Storage throttling (429), timeouts (408), unavailability and
/// server errors (5xx), a gone or retry-with partition (410, 449), and a request that never got an answer (status 0).
/// Anything else (400, 403, 404, 409, 413 an item too large…) would fail the same way again.
/// </summary>
public sealed class AzureTransientFailures : ITransientFailureRule
{
    public bool IsTransient(Exception exception) => exception switch
    {
        CosmosException cosmos => IsTransient((int)cosmos.StatusCode),
        RequestFailedException storage => IsTransient(storage.Status),
        _ => false,
    };

    private static bool IsTransient(int status) =>
        status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.Gone or 449 or >= 500;
}
