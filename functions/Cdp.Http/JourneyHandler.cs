using Cdp.Core.Journeys;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>/api/journeys</c>: definitions (<c>PUT</c> validates and answers problem details naming each bad field, e.g.
/// <c>steps[1].duration</c>), their instances (by status, paged), one instance with its step history, terminating
/// it and sending it events, metrics, and a profile's journeys. The runtime is a parameter because the Function
/// App gets its Durable client from a binding per invocation.
/// </summary>
public sealed class JourneyHandler(JourneyService journeys, JourneyDryRun dryRun)
{
    /// <summary>The largest journey body accepted: 256 KB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public const int DefaultPageSize = 100;

    public async Task<IResult> PutAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (journey, problem) = await RequestBody.ReadJsonAsync<JourneyDefinition>(request, MaxBodyBytes, "The journey is not valid.", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var saved = await journeys.PutAsync(id, journey, cancellationToken);
        if (saved.Conflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The journey was changed meanwhile.", detail: "Read it again and retry.");
        }

        if (saved.Journey is null)
        {
            return Problems.Invalid(saved.Errors, "The journey is not valid.");
        }

        return saved.Created ? TypedResults.Created(CdpRoutes.JourneyPath(id), saved.Journey) : TypedResults.Ok(saved.Journey);
    }

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        await journeys.GetAsync(id, cancellationToken) is { } journey ? TypedResults.Ok(journey) : NoJourney(id);

    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => TypedResults.Ok(await journeys.ListAsync(cancellationToken));

    /// <summary><c>204</c>: deleted (running instances finish the version they started with); <c>404</c> when there was none.</summary>
    public async Task<IResult> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await journeys.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NoJourney(id);

    /// <summary><c>?status=running&amp;after={instanceId}&amp;limit=N</c>: a page of instances by id, and the position of the next.</summary>
    public async Task<IResult> InstancesAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string title = "The instances query is not valid.";
        var (limit, problem) = QueryLimit.Read(request, DefaultPageSize, JourneyService.MaxPageSize, title);
        if (problem is not null)
        {
            return problem;
        }

        JourneyInstanceStatus? status = null;
        if (request.Query.TryGetValue("status", out var text))
        {
            if (!Enum.TryParse<JourneyInstanceStatus>(text.ToString(), ignoreCase: true, out var parsed) || int.TryParse(text.ToString(), out _))
            {
                return Problems.Invalid("status", $"One of {string.Join(", ", Enum.GetNames<JourneyInstanceStatus>())}.", title);
            }

            status = parsed;
        }

        var after = request.Query.TryGetValue("after", out var position) ? position.ToString() : null;
        return TypedResults.Ok(await journeys.InstancesAsync(id, status, after, limit, cancellationToken));
    }

    public async Task<IResult> MetricsAsync(string id, CancellationToken cancellationToken) =>
        await journeys.GetAsync(id, cancellationToken) is null && (await journeys.InstancesAsync(id, null, null, 1, cancellationToken)).Instances.Count == 0
            ? NoJourney(id)
            : TypedResults.Ok(await journeys.MetricsAsync(id, cancellationToken));

    public async Task<IResult> InstanceAsync(string instanceId, IJourneyRuntime runtime, CancellationToken cancellationToken) =>
        await journeys.InstanceAsync(instanceId, runtime, cancellationToken) is { } view ? TypedResults.Ok(view) : NoInstance(instanceId);

    /// <summary>Terminates a running instance; the body may be <c>{"reason": "..."}</c>. Ended instances are returned as they are.</summary>
    public async Task<IResult> TerminateAsync(HttpRequest request, string instanceId, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? reason = null;
        if (request.ContentLength is > 0)
        {
            var (body, problem) = await RequestBody.ReadJsonAsync<TerminateRequest>(request, 4096, "The termination is not valid.", cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            reason = body?.Reason;
        }

        return await journeys.TerminateAsync(instanceId, reason, runtime, cancellationToken) is { } ended ? TypedResults.Ok(ended) : NoInstance(instanceId);
    }

    /// <summary><c>202</c>: raised to the instance; <c>409</c> when it is no longer running.</summary>
    public async Task<IResult> SendEventAsync(string instanceId, string name, IJourneyRuntime runtime, CancellationToken cancellationToken) =>
        await journeys.SendEventAsync(instanceId, name, runtime, cancellationToken) switch
        {
            null => NoInstance(instanceId),
            true => TypedResults.Accepted(CdpRoutes.JourneyInstancePath(instanceId)),
            false => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The instance is not running.", detail: $"Journey instance '{instanceId}' has ended."),
        };

    public async Task<IResult> ForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        TypedResults.Ok(await journeys.ForProfileAsync(profileId, cancellationToken));

    /// <summary><c>GET /api/journey-steps</c>: the palette (every step type and action with its fields).</summary>
    public IResult StepTypes() => TypedResults.Ok(JourneyPalette.With(journeys.Actions));

    /// <summary><c>POST /api/journeys/dryrun</c>: the path a journey (saved or given) would take for a person now; nothing is changed.</summary>
    public async Task<IResult> DryRunAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        const string title = "The dry run is not valid.";
        var (body, problem) = await RequestBody.ReadJsonAsync<JourneyDryRunRequest>(request, MaxBodyBytes, title, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await dryRun.RunAsync(body, cancellationToken);
        return outcome switch
        {
            { Result: { } result } => TypedResults.Ok(result),
            { Missing: { } missing } => Problems.NotFound(missing),
            _ => Problems.Invalid(outcome.Errors, title),
        };
    }

    private static IResult NoJourney(string id) => Problems.NotFound($"There is no journey '{id}'.");

    private static IResult NoInstance(string instanceId) => Problems.NotFound($"There is no journey instance '{instanceId}'.");
}

/// <summary>The optional body of a termination.</summary>
public sealed record TerminateRequest(string? Reason);
