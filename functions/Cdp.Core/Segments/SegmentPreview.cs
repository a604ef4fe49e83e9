using Cdp.Core.Profiles;

namespace Cdp.Core.Segments;

/// <summary>The body of <c>POST /api/segments/preview</c>: a rule, and the segment it is for when it is saved already.</summary>
public sealed record SegmentPreviewRequest(string? Rule, string? SegmentId = null);

/// <summary>
/// What a rule would do: whether it can be saved (<see cref="Errors"/>, each with the character it is at when known),
/// and over a sample of profiles (the first <see cref="Looked"/> the store lists) how many it matches and the first
/// of them; <see cref="Failed"/> profiles the rule threw on (the first <see cref="Failure"/> said why), as a saved rule
/// would on them (docs/segments.md).
/// </summary>
public sealed record SegmentPreview(bool Valid, IReadOnlyList<RuleError> Errors, int Looked, int Matched, IReadOnlyList<string> Sample, int Failed = 0, string? Failure = null);

/// <summary>
/// Checks a rule as a save would and evaluates it on a sample of profiles now, changing nothing: what an editor shows
/// as its user types (the console's segment builder).
/// </summary>
public sealed class SegmentPreviewer(SegmentService segments, IProfileCatalog profiles, TimeProvider time)
{
    /// <summary>How many profiles a preview looks at.</summary>
    public const int SampleSize = 200;

    /// <summary>How many matching profile ids it names.</summary>
    public const int Named = 10;

    public async Task<SegmentPreview> PreviewAsync(string rule, string? segmentId, CancellationToken cancellationToken)
    {
        var check = await segments.CheckRuleAsync(segmentId, rule, cancellationToken);
        if (check.Rule is not { } compiled)
        {
            return new SegmentPreview(false, check.Errors, 0, 0, []);
        }

        var page = await profiles.ListAsync(null, SampleSize, cancellationToken);
        var now = time.GetUtcNow();
        var context = new RuleContext();
        var (looked, failed, failure, matched) = (0, 0, (string?)null, new List<string>());
        foreach (var stored in page.Profiles.Where(p => p.Profile.MergedInto is null))
        {
            var document = stored.Profile.ToDocument();
            context.Reset(document, now, document.Memberships.ContainsKey);
            looked++;
            try
            {
                if (compiled.Evaluate(context))
                {
                    matched.Add(document.Id);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                failure ??= ex.Message;
            }
        }

        return new SegmentPreview(true, [], looked, matched.Count, [.. matched.Take(Named)], failed, failure);
    }
}
