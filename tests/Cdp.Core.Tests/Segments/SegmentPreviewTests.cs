using System.Text.Json.Nodes;
using Cdp.Core.Segments;

namespace Cdp.Core.Tests.Segments;

/// <summary>A rule's preview: the problems a save would find (at their character), and whom it matches in a sample, with nothing saved.</summary>
public sealed class SegmentPreviewTests : IDisposable
{
    private readonly SegmentPipeline _pipeline = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly SegmentPreviewer _previewer;

    public SegmentPreviewTests() => _previewer = new SegmentPreviewer(_pipeline.Service, _pipeline.Stores, _pipeline.Time);

    public void Dispose() => _pipeline.Dispose();

    [Fact]
    public async Task AValidRule_CountsItsMatchesInTheSample_AndNamesThem_SavingNothing()
    {
        await _pipeline.SendAsync("ada", new JsonObject { ["plan"] = "pro" });
        await _pipeline.SendAsync("bob", new JsonObject { ["plan"] = "free" });
        await _pipeline.SendAsync("cy", new JsonObject { ["plan"] = "pro" });

        var preview = await _previewer.PreviewAsync("text(\"plan\") == \"pro\"", null, CancellationToken.None);

        Assert.True(preview.Valid);
        Assert.Equal(3, preview.Looked);
        Assert.Equal(2, preview.Matched);
        Assert.Equal(2, preview.Sample.Count);
        Assert.Empty(await _pipeline.Segments.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ABrokenRule_SaysWhereItBreaks_AndARuleReadingAMissingSegment_SaysWhich()
    {
        var broken = await _previewer.PreviewAsync("text(\"plan\" == \"pro\"", null, CancellationToken.None);
        var missing = await _previewer.PreviewAsync("inSegment(\"vip\")", null, CancellationToken.None);

        Assert.False(broken.Valid);
        Assert.NotNull(Assert.Single(broken.Errors).Position);
        Assert.Equal(0, broken.Looked);
        Assert.False(missing.Valid);
        Assert.Contains("there is no segment 'vip'", Assert.Single(missing.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARuleThatThrowsOnAProfile_IsCountedAsFailed_NotMatched_AndThePreviewGoesOn()
    {
        await _pipeline.SendAsync("ada", new JsonObject { ["plan"] = "pro" });
        await _pipeline.SendAsync("bob", new JsonObject { ["plan"] = "free" });

        var preview = await _previewer.PreviewAsync("text(\"plan\").StartsWith(null)", null, CancellationToken.None);

        Assert.True(preview.Valid);
        Assert.Equal(2, preview.Looked);
        Assert.Equal(2, preview.Failed);
        Assert.Equal(0, preview.Matched);
        Assert.NotNull(preview.Failure);
    }
}
