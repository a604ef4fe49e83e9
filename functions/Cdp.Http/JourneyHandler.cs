using Cdp.Core.Journeys;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>POST /api/journeys/runs</c> (enroll a profile in a journey) and <c>GET /api/journeys/runs/{instanceId}</c>
/// (an instance's status). The runtime is a parameter because the Function App gets its Durable client
/// from a binding per invocation.
/// </summary>
public static class JourneyHandler
{
    /// <summary>The largest journey body accepted: 256 KB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static async Task<IResult> StartAsync(HttpRequest request, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (run, problem) = await RequestBody.ReadJsonAsync<JourneyRun>(request, MaxBodyBytes, "The journey run is not valid.", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var result = await new JourneyService(runtime).StartAsync(run, cancellationToken);
        if (result.InstanceId is null)
        {
            return Problems.Invalid(result.Errors, "The journey run is not valid.");
        }

        var reply = new JourneyStartReply(result.InstanceId, result.Started);
        var location = CdpRoutes.JourneyRunPath(result.InstanceId);
        return result.Started ? TypedResults.Accepted(location, reply) : TypedResults.Ok(reply);
    }

    public static async Task<IResult> GetStatusAsync(string instanceId, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        var status = await new JourneyService(runtime).GetStatusAsync(instanceId, cancellationToken);
        return status is null ? Problems.NotFound($"There is no journey instance '{instanceId}'.") : TypedResults.Ok(status);
    }
}

/// <summary>The reply to an enrollment: the instance id, and whether this call started it.</summary>
public sealed record JourneyStartReply(string InstanceId, bool Started);
