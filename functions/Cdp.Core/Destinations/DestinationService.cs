using System.Globalization;
using System.Text.RegularExpressions;
using Cdp.Core.Privacy;
using Cdp.Core.Sources;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Destinations;

/// <summary>
/// Destinations over the API: created or changed whole (secrets excepted: a secret left out keeps its value, an empty one
/// removes it), listed and read without secret values, deleted (its consumer stops and its checkpoints go), and their
/// delivery status.
/// </summary>
public sealed partial class DestinationService(
    IDestinationStore store,
    DestinationCatalog catalog,
    DestinationDelivery delivery,
    DestinationSecrets secrets,
    IOptions<PrivacyOptions> privacy,
    TimeProvider time,
    IDestinationBacklog? backlog = null)
{
    public const int MaxSecretLength = 4096;

    public async Task<IReadOnlyList<DestinationView>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(cancellationToken)).Select(ViewOf)];

    public async Task<DestinationView?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } held ? ViewOf(held.Destination) : null;

    /// <summary>The destination's delivery status (zeros before its first delivery), or null when there is no such destination.</summary>
    public async Task<DestinationStatus?> StatusAsync(string id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } held)
        {
            return null;
        }

        var status = (await store.GetStatusAsync(id, cancellationToken))?.Status ?? new DestinationStatus(id);
        return status with { Backlog = backlog is null ? null : await backlog.ReadAsync(held.Destination, cancellationToken) };
    }

    public async Task<DestinationSaveResult> PutAsync(string id, DestinationDefinition? request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!DestinationId().IsMatch(id ?? string.Empty))
        {
            errors.Add("id", "A destination id is 1 to 64 letters, digits, '-' or '_'.");
        }

        if (request is null)
        {
            errors.Add("body", "A destination is a JSON object with name, type, settings, secrets, events or audiences, and optionally mapping, purpose, personalData and requestsPerSecond.");
            return DestinationSaveResult.Invalid(errors);
        }

        var existing = errors.Count == 0 ? await store.GetAsync(id!, cancellationToken) : null;
        var destination = await ReadAsync(id ?? string.Empty, request, existing?.Destination, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return DestinationSaveResult.Invalid(errors);
        }

        if (await store.TryPutAsync(destination, existing?.Tag, cancellationToken) is null)
        {
            return new DestinationSaveResult(DestinationOutcome.Conflict);
        }

        catalog.Invalidate();
        return new DestinationSaveResult(existing is null ? DestinationOutcome.Created : DestinationOutcome.Changed, ViewOf(destination));
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteAsync(id, cancellationToken);
        catalog.Invalidate();
        return deleted;
    }

    public DestinationView ViewOf(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new(destination.Id, destination.Name, destination.Type, destination.Enabled, destination.Settings, [.. destination.Secrets.Keys.Order(StringComparer.Ordinal)],
            destination.PersonalData, delivery.RequestsPerSecondOf(destination), destination.CreatedAt, destination.UpdatedAt,
            destination.Events, destination.Audiences, destination.Mapping, destination.Purpose);
    }

    private async Task<DestinationDefinition> ReadAsync(string id, DestinationDefinition request, DestinationDefinition? existing, FieldErrors errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add("name", "A destination needs a name.");
        }

        var client = delivery.ClientOf(request.Type ?? string.Empty);
        if (client is null)
        {
            errors.Add("type", $"One of {string.Join(", ", delivery.Clients.Select(c => c.Type).Order(StringComparer.Ordinal))}.");
        }

        if ((request.Events is null) == (request.Audiences is null))
        {
            errors.Add("events", "A destination receives either events or audiences: give exactly one of the two.");
        }
        else if (client is not null && request.Events is not null && !client.Receives.HasFlag(DestinationReceives.Events))
        {
            errors.Add("events", $"{client.Type} takes audiences, not events.");
        }
        else if (client is not null && request.Audiences is not null && !client.Receives.HasFlag(DestinationReceives.Audiences))
        {
            errors.Add("audiences", $"{client.Type} takes events, not audiences.");
        }

        if (request.Audiences is { } audiences)
        {
            if (audiences.Segments is not { Count: > 0 } || audiences.Segments.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add("audiences.segments", "The ids of the segments whose entries and exits are sent (one or more).");
            }

            foreach (var trait in audiences.Traits ?? [])
            {
                if (string.IsNullOrWhiteSpace(trait) || trait.Contains('.', StringComparison.Ordinal))
                {
                    errors.Add("audiences.traits", "Trait names (top-level, without dots).");
                }
            }
        }

        foreach (var (field, problem) in SourceTransform.Problems(request.Mapping))
        {
            errors.Add(field.Replace("transform", "mapping", StringComparison.Ordinal), problem);
        }

        var purpose = request.Purpose?.Trim();
        if (purpose is { Length: 0 or > 64 })
        {
            errors.Add("purpose", "A consent purpose of 1 to 64 characters, or left out.");
        }

        var personal = privacy.Value.PersonalTraits;
        for (var i = 0; i < (request.PersonalData?.Count ?? 0); i++)
        {
            if (!personal.Contains(request.PersonalData![i], StringComparer.Ordinal))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"personalData[{i}]"), $"One of the personal traits ({string.Join(", ", personal)}); other traits are sent without being listed.");
            }
        }

        if (request.RequestsPerSecond is { } rate && !(rate is > 0 and <= 1000))
        {
            errors.Add("requestsPerSecond", "More than 0 and at most 1000, or left out for the type's default.");
        }

        // Secrets: those given replace, an empty one removes, those left out are kept (sealed as they are, except those
        // sealed by the configured master key of earlier releases: sealed again under the destination's data key).
        var sealedSecrets = new Dictionary<string, string>(existing?.Secrets ?? [], StringComparer.Ordinal);
        var clear = existing is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(await secrets.OpenAsync(existing, cancellationToken), StringComparer.Ordinal);
        foreach (var (name, stored) in existing?.Secrets ?? [])
        {
            if (stored.StartsWith(DestinationSecrets.LegacyPrefix, StringComparison.Ordinal))
            {
                sealedSecrets[name] = await secrets.SealAsync(id, name, clear[name], cancellationToken);
            }
        }
        foreach (var (name, value) in request.Secrets ?? [])
        {
            if (value is null || value.Length > MaxSecretLength)
            {
                errors.Add("secrets." + name, $"A secret is text of at most {MaxSecretLength} characters (empty removes it).");
            }
            else if (value.Length == 0)
            {
                sealedSecrets.Remove(name);
                clear.Remove(name);
            }
            else
            {
                sealedSecrets[name] = await secrets.SealAsync(id, name, value, cancellationToken);
                clear[name] = value;
            }
        }

        var now = time.GetUtcNow();
        var destination = new DestinationDefinition
        {
            Id = id,
            Name = request.Name?.Trim() ?? string.Empty,
            Type = request.Type ?? string.Empty,
            Enabled = request.Enabled,
            Settings = new Dictionary<string, string>(request.Settings ?? [], StringComparer.Ordinal),
            Secrets = sealedSecrets,
            Events = request.Events,
            Audiences = request.Audiences,
            Mapping = request.Mapping is { Count: > 0 } mapping ? mapping : null,
            Purpose = purpose,
            PersonalData = [.. request.PersonalData ?? []],
            RequestsPerSecond = request.RequestsPerSecond,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
        };
        if (client is not null)
        {
            foreach (var (field, problem) in client.Problems(destination, clear))
            {
                errors.Add(field, problem);
            }
        }

        return destination;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DestinationId();
}

/// <summary>What a destination's consumer has not read yet (the embedded log and change log can tell; Event Hubs cannot from here).</summary>
public interface IDestinationBacklog
{
    Task<long?> ReadAsync(DestinationDefinition destination, CancellationToken cancellationToken);
}

public enum DestinationOutcome
{
    Created,
    Changed,
    Invalid,

    /// <summary>Changed (or created) by another request meanwhile.</summary>
    Conflict,
}

public sealed record DestinationSaveResult(DestinationOutcome Outcome, DestinationView? Destination = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    internal static DestinationSaveResult Invalid(FieldErrors errors) => new(DestinationOutcome.Invalid, Errors: errors.ToDictionary());
}
