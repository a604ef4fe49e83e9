using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;

namespace Cdp.Testing.Contracts;

/// <summary>
/// The stores' time to live: a profile event, a processed-message entry and a segment transition are kept for their
/// retention after they were written, and gone after it. Each adapter says how its expiry runs (<see cref="ExpireAsync"/>).
/// </summary>
public abstract class RetentionContract
{
    protected abstract IProfileEventStore Events { get; }

    protected abstract IProcessedMessageLog Log { get; }

    protected abstract ISegmentTransitions Transitions { get; }

    /// <summary>The store's clock now: when this test's items are written.</summary>
    protected abstract DateTimeOffset Now { get; }

    /// <summary>Runs the store's expiry as if <paramref name="elapsed"/> had passed since the items were written.</summary>
    protected abstract Task ExpireAsync(TimeSpan elapsed);

    [Fact]
    public async Task ProfileEvent_IsKeptForItsRetention_ThenExpires()
    {
        var profile = "p_" + Guid.NewGuid().ToString("N");
        // An old event: retention counts from when it was recorded, not from its own time.
        await Events.AppendAsync([new ProfileEvent(profile, "m1", MessageType.Track, Now.AddDays(-400), "web", "Signed Up")], CancellationToken.None);

        await ExpireAsync(IProfileEventStore.Retention - TimeSpan.FromHours(1));
        Assert.Single(await Events.ListAsync(profile, 10, CancellationToken.None));

        await ExpireAsync(IProfileEventStore.Retention + TimeSpan.FromHours(1));
        Assert.Empty(await Events.ListAsync(profile, 10, CancellationToken.None));
    }

    [Fact]
    public async Task ProcessedMessage_IsRememberedForItsRetention_ThenForgotten()
    {
        var key = IProcessedMessageLog.KeyFor("web", Guid.NewGuid().ToString());
        await Log.AddAsync([key], Now, CancellationToken.None);

        await ExpireAsync(IProcessedMessageLog.Retention - TimeSpan.FromHours(1));
        Assert.Equal([key], await Log.FindAsync([key], CancellationToken.None));

        await ExpireAsync(IProcessedMessageLog.Retention + TimeSpan.FromHours(1));
        Assert.Empty(await Log.FindAsync([key], CancellationToken.None));
    }

    /// <summary>Issue 17, item 10: the transition history is bounded by its retention; the membership and the count stay.</summary>
    [Fact]
    public async Task SegmentTransition_IsKeptForItsRetention_ThenExpires_AndTheMemberCountStays()
    {
        var segment = "s_" + Guid.NewGuid().ToString("N");
        var (first, second) = ("p_" + Guid.NewGuid().ToString("N"), "p_" + Guid.NewGuid().ToString("N"));
        await Transitions.RecordAsync(
            [SegmentTransition.Of(segment, first, SegmentTransitionKind.Entered, Now.AddDays(-400), 1), SegmentTransition.Of(segment, second, SegmentTransitionKind.Entered, Now, 1)],
            CancellationToken.None);

        await ExpireAsync(ISegmentTransitions.Retention - TimeSpan.FromHours(1));
        Assert.Equal(2, (await Transitions.ListAsync(segment, 10, CancellationToken.None)).Count);

        await ExpireAsync(ISegmentTransitions.Retention + TimeSpan.FromHours(1));
        Assert.Empty(await Transitions.ListAsync(segment, 10, CancellationToken.None));
        Assert.Empty(await Transitions.ListForProfileAsync(first, CancellationToken.None));
        Assert.Equal(2, await Transitions.CountMembersAsync(segment, CancellationToken.None));

        // A late exit of a profile whose entry expired still leaves the segment.
        await Transitions.RecordAsync([SegmentTransition.Of(segment, first, SegmentTransitionKind.Exited, Now, 2)], CancellationToken.None);
        Assert.Equal(1, await Transitions.CountMembersAsync(segment, CancellationToken.None));
    }
}
