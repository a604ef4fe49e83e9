using Cdp.Core.Segments;

namespace Cdp.Testing.Contracts;

/// <summary>What every adapter of the segment ports must do: definitions, transitions and sizes, the schedule.</summary>
public abstract class SegmentPortsContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract ISegmentStore Store { get; }

    protected abstract ISegmentTransitions Transitions { get; }

    protected abstract ISegmentSchedule Schedule { get; }

    private static string NewId(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    private static SegmentDefinition Definition(string id, string rule = "flag(\"vip\")", long version = 1) =>
        new(id, "VIP", "Very important", rule, SegmentStatus.Active, version, T0, new SegmentBackfill(version, null, 0, false));

    [Fact]
    public async Task Definitions_CreateOnce_ReplaceAgainstTheirTag_ListAndDelete()
    {
        var id = NewId("s");
        var tag = await Store.TryPutAsync(Definition(id), null, CancellationToken.None);

        Assert.NotNull(tag);
        Assert.Null(await Store.TryPutAsync(Definition(id), null, CancellationToken.None));
        var stored = (await Store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(Definition(id), stored.Definition);

        var newer = await Store.TryPutAsync(Definition(id, "flag(\"pro\")", 2), stored.VersionTag, CancellationToken.None);
        Assert.NotNull(newer);
        Assert.Null(await Store.TryPutAsync(Definition(id, "flag(\"x\")", 3), stored.VersionTag, CancellationToken.None));
        Assert.Equal(2, (await Store.GetAsync(id, CancellationToken.None))!.Definition.Version);
        Assert.Contains(await Store.ListAsync(CancellationToken.None), d => d.Id == id);

        Assert.True(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.Null(await Store.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Transitions_RecordedOnce_NewestFirst_AndCountedAsMembersByTheLatest()
    {
        var segment = NewId("s");
        var entered = SegmentTransition.Of(segment, "p1", SegmentTransitionKind.Entered, T0, 2);
        var other = SegmentTransition.Of(segment, "p2", SegmentTransitionKind.Entered, T0.AddMinutes(1), 5);

        await Transitions.RecordAsync([entered, other], CancellationToken.None);
        await Transitions.RecordAsync([entered], CancellationToken.None);
        Assert.Equal([other, entered], await Transitions.ListAsync(segment, 10, CancellationToken.None));
        Assert.Equal(2, await Transitions.CountMembersAsync(segment, CancellationToken.None));

        await Transitions.RecordAsync([SegmentTransition.Of(segment, "p1", SegmentTransitionKind.Exited, T0.AddHours(1), 4)], CancellationToken.None);
        Assert.Equal(1, await Transitions.CountMembersAsync(segment, CancellationToken.None));

        // An older entry recorded late does not bring the profile back.
        await Transitions.RecordAsync([SegmentTransition.Of(segment, "p1", SegmentTransitionKind.Entered, T0, 3)], CancellationToken.None);
        Assert.Equal(1, await Transitions.CountMembersAsync(segment, CancellationToken.None));

        // One person's history in the segment, oldest first.
        Assert.Equal(
            [(SegmentTransitionKind.Entered, 2L), (SegmentTransitionKind.Entered, 3L), (SegmentTransitionKind.Exited, 4L)],
            (await Transitions.ListForProfileAsync("p1", CancellationToken.None)).Where(t => t.SegmentId == segment).Select(t => (t.Kind, t.ProfileVersion)).OrderBy(t => t.Item2));
        Assert.Equal([other], (await Transitions.ListForProfileAsync("p2", CancellationToken.None)).Where(t => t.SegmentId == segment));

        // ... and across segments, whatever becomes of their definitions.
        var person = NewId("p");
        var second = NewId("s");
        await Transitions.RecordAsync([SegmentTransition.Of(second, person, SegmentTransitionKind.Entered, T0, 1), SegmentTransition.Of(segment, person, SegmentTransitionKind.Entered, T0.AddHours(1), 2)], CancellationToken.None);
        Assert.Equal([(second, 1L), (segment, 2L)], (await Transitions.ListForProfileAsync(person, CancellationToken.None)).Select(t => (t.SegmentId, t.ProfileVersion)));
        Assert.Empty(await Transitions.ListForProfileAsync(NewId("p"), CancellationToken.None));
        Assert.Equal(0, await Transitions.CountMembersAsync(NewId("s"), CancellationToken.None));
    }

    [Fact]
    public async Task Schedule_GivesWhatIsDue_EarliestFirst_OnceEach_UntilCompleted()
    {
        var (a, b) = (NewId("p"), NewId("p"));
        var now = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Random.Shared.Next());
        await Schedule.ScheduleAsync(a, now.AddMinutes(-1), CancellationToken.None);
        await Schedule.ScheduleAsync(a, now.AddMinutes(-1), CancellationToken.None);
        await Schedule.ScheduleAsync(b, now.AddMinutes(-2), CancellationToken.None);
        await Schedule.ScheduleAsync(a, now.AddSeconds(1), CancellationToken.None);

        var due = (await Schedule.DueAsync(now, 1000, CancellationToken.None)).Where(d => d.ProfileId == a || d.ProfileId == b).ToList();

        Assert.Equal([new ScheduledEvaluation(b, now.AddMinutes(-2)), new ScheduledEvaluation(a, now.AddMinutes(-1))], due);
        await Schedule.CompleteAsync(due[0], CancellationToken.None);
        Assert.DoesNotContain(await Schedule.DueAsync(now, 1000, CancellationToken.None), d => d.ProfileId == b);
        Assert.Contains(await Schedule.DueAsync(now.AddSeconds(1), 1000, CancellationToken.None), d => d == new ScheduledEvaluation(a, now.AddSeconds(1)));
    }
}
