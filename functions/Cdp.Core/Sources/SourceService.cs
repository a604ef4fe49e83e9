using System.Text.RegularExpressions;

namespace Cdp.Core.Sources;

/// <summary>
/// Sources over the API: created with a new write key that is shown once (only its SHA-256 is kept), changed
/// (settings only), given a new key (the old one stops working), deleted. Sources in configuration are listed but
/// changed only in configuration.
/// </summary>
public sealed partial class SourceService(ISourceStore store, SourceRegistry registry)
{
    /// <summary>Creates the source (with a new write key) or replaces its settings; fields left out take their defaults.</summary>
    public async Task<SourceSaveResult> PutAsync(string sourceId, SourceRequest? request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!SourceId().IsMatch(sourceId ?? string.Empty))
        {
            errors.Add("id", "A source id is 1 to 64 letters, digits, '-' or '_'.");
        }

        if (request is null)
        {
            errors.Add("body", "A source is a JSON object with name and optionally binding, confidence, requestsPerSecond, burst, requiredPurpose, maxEventAgeDays, maxEventAheadMinutes, dropBots and transform.");
            return SourceSaveResult.Invalid(errors);
        }

        var source = Read(sourceId ?? string.Empty, request, errors);
        if (errors.Count > 0)
        {
            return SourceSaveResult.Invalid(errors);
        }

        if (registry.IsConfigured(sourceId!))
        {
            return new SourceSaveResult(SourceOutcome.Configured);
        }

        var existing = await store.GetAsync(sourceId!, cancellationToken);
        string? writeKey = null;
        if (existing is null)
        {
            writeKey = SourceRegistry.NewWriteKey();
            source.WriteKeySha256 = SourceRegistry.HashWriteKey(writeKey);
        }
        else
        {
            source.WriteKeySha256 = existing.Source.WriteKeySha256;
        }

        if (await store.TryPutAsync(source, existing?.VersionTag, cancellationToken) is null)
        {
            return new SourceSaveResult(SourceOutcome.Conflict);
        }

        registry.Invalidate();
        return new SourceSaveResult(existing is null ? SourceOutcome.Created : SourceOutcome.Changed, registry.ViewOf(source), writeKey);
    }

    /// <summary>Gives a stored source a new write key (shown once); the old key stops working.</summary>
    public async Task<SourceSaveResult> NewKeyAsync(string sourceId, CancellationToken cancellationToken)
    {
        if (registry.IsConfigured(sourceId))
        {
            return new SourceSaveResult(SourceOutcome.Configured);
        }

        if (await store.GetAsync(sourceId, cancellationToken) is not { } existing)
        {
            return new SourceSaveResult(SourceOutcome.NotFound);
        }

        var writeKey = SourceRegistry.NewWriteKey();
        var source = Copy(existing.Source);
        source.WriteKeySha256 = SourceRegistry.HashWriteKey(writeKey);
        if (await store.TryPutAsync(source, existing.VersionTag, cancellationToken) is null)
        {
            return new SourceSaveResult(SourceOutcome.Conflict);
        }

        registry.Invalidate();
        return new SourceSaveResult(SourceOutcome.Changed, registry.ViewOf(source), writeKey);
    }

    /// <summary>Deletes a stored source: its key stops working (messages it sent stay).</summary>
    public async Task<SourceOutcome> DeleteAsync(string sourceId, CancellationToken cancellationToken)
    {
        if (registry.IsConfigured(sourceId))
        {
            return SourceOutcome.Configured;
        }

        var deleted = await store.DeleteAsync(sourceId, cancellationToken);
        registry.Invalidate();
        return deleted ? SourceOutcome.Changed : SourceOutcome.NotFound;
    }

    private static SourceDefinition Read(string sourceId, SourceRequest request, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add("name", "A source needs a name.");
        }

        var binding = request.Binding?.ToUpperInvariant() switch
        {
            null or "LATE" => BindingMode.Late,
            "EARLY" => BindingMode.Early,
            _ => (BindingMode?)null,
        };
        if (binding is null)
        {
            errors.Add("binding", "The binding is 'late' (resolved in the stream, the default) or 'early' (resolved before the reply).");
        }

        var purpose = request.RequiredPurpose?.Trim();
        if (purpose is { Length: 0 or > 64 })
        {
            errors.Add("requiredPurpose", "A consent purpose of 1 to 64 characters, or left out.");
        }

        var source = new SourceDefinition
        {
            Id = sourceId,
            Name = request.Name?.Trim() ?? string.Empty,
            Binding = binding ?? BindingMode.Late,
            Confidence = request.Confidence ?? 1.0,
            RequestsPerSecond = request.RequestsPerSecond ?? SourceDefaults.RequestsPerSecond,
            Burst = request.Burst ?? SourceDefaults.Burst,
            RequiredPurpose = purpose,
            MaxEventAgeDays = request.MaxEventAgeDays ?? new SourceDefinition().MaxEventAgeDays,
            MaxEventAheadMinutes = request.MaxEventAheadMinutes ?? new SourceDefinition().MaxEventAheadMinutes,
            DropBots = request.DropBots ?? true,
            Transform = [.. request.Transform ?? []],
        };
        foreach (var (field, problem) in SourceOptionsValidator.SettingProblems(source))
        {
            errors.Add(field, problem);
        }

        return source;
    }

    private static SourceDefinition Copy(SourceDefinition source) => new()
    {
        Id = source.Id,
        Name = source.Name,
        WriteKeySha256 = source.WriteKeySha256,
        Binding = source.Binding,
        Confidence = source.Confidence,
        RequestsPerSecond = source.RequestsPerSecond,
        Burst = source.Burst,
        RequiredPurpose = source.RequiredPurpose,
        MaxEventAgeDays = source.MaxEventAgeDays,
        MaxEventAheadMinutes = source.MaxEventAheadMinutes,
        DropBots = source.DropBots,
        Transform = source.Transform,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceId();
}

/// <summary>A source as created or changed over the API; fields left out take their defaults (<see cref="SourceDefinition"/>).</summary>
public sealed record SourceRequest(
    string? Name,
    string? Binding = null,
    double? Confidence = null,
    int? RequestsPerSecond = null,
    int? Burst = null,
    string? RequiredPurpose = null,
    int? MaxEventAgeDays = null,
    int? MaxEventAheadMinutes = null,
    bool? DropBots = null,
    IReadOnlyList<TransformStep>? Transform = null);

/// <summary>What a change to a source came to.</summary>
public enum SourceOutcome
{
    Created,
    Changed,
    Invalid,
    NotFound,

    /// <summary>The source is in configuration: change it there.</summary>
    Configured,

    /// <summary>The source was changed meanwhile (or created by another request).</summary>
    Conflict,
}

/// <summary>The outcome; the source as it is now and, when it got one, its new write key (shown this once); or the bad fields.</summary>
public sealed record SourceSaveResult(SourceOutcome Outcome, SourceView? Source = null, string? WriteKey = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    internal static SourceSaveResult Invalid(FieldErrors errors) => new(SourceOutcome.Invalid, Errors: errors.ToDictionary());
}

/// <summary>The reply that gives a source a write key: the source and the key, which is not shown again.</summary>
public sealed record SourceKeyReply(SourceView Source, string WriteKey);
