using System.Text.Json.Nodes;
using Cdp.Core.Journeys;

namespace Cdp.Testing.Contracts;

/// <summary>What every adapter of the journey ports must do: definitions, and instance records created once, replaced against their tag, listed.</summary>
public abstract class JourneyPortsContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract IJourneyStore Store { get; }

    protected abstract IJourneyInstances Instances { get; }

    private static string NewId(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    private static JourneyDefinition Definition(string id, long version = 1) =>
        new(id, "Welcome", new JourneyTrigger(SegmentEntered: "vip"), [new JourneyStep(JourneyStep.Wait, Duration: "P1D"), new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.SetTrait, Trait: "welcomed", Value: JsonValue.Create(true))], Version: version) { UpdatedAt = T0 };

    private static JourneyInstance Instance(string journeyId, string profileId, int enrollment, JourneyInstanceStatus status = JourneyInstanceStatus.Pending) =>
        new(JourneyInstance.IdFor(journeyId, 1, profileId, enrollment), journeyId, 1, profileId, enrollment, $"segment:vip:{enrollment}", status, T0);

    [Fact]
    public async Task Definitions_CreateOnce_ReplaceAgainstTheirTag_ListAndDelete()
    {
        var id = NewId("j");
        Assert.NotNull(await Store.TryPutAsync(Definition(id), null, CancellationToken.None));
        Assert.Null(await Store.TryPutAsync(Definition(id), null, CancellationToken.None));
        var stored = (await Store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(Definition(id).Steps.Count, stored.Definition.Steps.Count);
        Assert.True(stored.Definition.Steps[1].Value!.GetValue<bool>());

        Assert.NotNull(await Store.TryPutAsync(Definition(id, 2), stored.VersionTag, CancellationToken.None));
        Assert.Null(await Store.TryPutAsync(Definition(id, 3), stored.VersionTag, CancellationToken.None));
        Assert.Equal(2, (await Store.GetAsync(id, CancellationToken.None))!.Definition.Version);
        Assert.Contains(await Store.ListAsync(CancellationToken.None), d => d.Id == id);

        Assert.True(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.Null(await Store.GetAsync(id, CancellationToken.None));
    }

    /// <summary>Issue 17, item 4: what only the store keeps (earlier versions' steering, the time of deletion) comes back as saved.</summary>
    [Fact]
    public async Task Definitions_KeepTheSteeringOfEarlierVersions_AndWhenTheyWereDeleted()
    {
        var id = NewId("j");
        JourneySteering[] earlier = [new(1, 3, SegmentExited: "trial", ExitEvents: ["Unsubscribed"], Purpose: "marketing_email", WaitsFor: ["Clicked"]), new(4, 4, ConsentRevoked: false)];
        Assert.NotNull(await Store.TryPutAsync(Definition(id, 5) with { Earlier = earlier, DeletedAt = T0.AddDays(1) }, null, CancellationToken.None));

        var stored = (await Store.GetAsync(id, CancellationToken.None))!.Definition;
        Assert.Equal(T0.AddDays(1), stored.DeletedAt);
        Assert.Equal(2, stored.Earlier!.Count);
        Assert.Equal((1L, 3L, "trial", "marketing_email", true), (stored.Earlier[0].From, stored.Earlier[0].To, stored.Earlier[0].SegmentExited, stored.Earlier[0].Purpose, stored.Earlier[0].ConsentRevoked));
        Assert.Equal(["Unsubscribed"], stored.Earlier[0].ExitEvents);
        Assert.Equal(["Clicked"], stored.Earlier[0].WaitsFor);
        Assert.Equal(new JourneySteering(4, 4, ConsentRevoked: false), stored.Earlier[1]);
        Assert.Contains(await Store.ListAsync(CancellationToken.None), d => d.Id == id && d.DeletedAt == T0.AddDays(1));
    }

    [Fact]
    public async Task Instances_CreatedOnce_ReplacedAgainstTheirTag()
    {
        var journey = NewId("j");
        var first = Instance(journey, "p1", 1);
        Assert.True(await Instances.TryCreateAsync(first, CancellationToken.None));
        Assert.False(await Instances.TryCreateAsync(first with { Trigger = "other" }, CancellationToken.None));

        var stored = (await Instances.GetAsync(journey, first.InstanceId, CancellationToken.None))!;
        Assert.Equal("segment:vip:1", stored.Instance.Trigger);
        var running = stored.Instance.Apply(new JourneyReport(first.InstanceId, 1, "start", "start", T0.AddSeconds(1)))!;
        Assert.True(await Instances.TryReplaceAsync(running, stored.VersionTag, CancellationToken.None));
        Assert.False(await Instances.TryReplaceAsync(running, stored.VersionTag, CancellationToken.None));

        var again = (await Instances.GetAsync(journey, first.InstanceId, CancellationToken.None))!.Instance;
        Assert.Equal(JourneyInstanceStatus.Running, again.Status);
        Assert.Equal([new JourneyStepTaken(1, "start", "start", T0.AddSeconds(1))], again.History);
        Assert.Null(await Instances.GetAsync(journey, "nope:v1:p1:1", CancellationToken.None));
        Assert.Null(await Instances.GetAsync(NewId("j"), first.InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task Instances_ListedPerJourney_ByStatus_InPages_AndPerProfile()
    {
        var journey = NewId("j");
        var other = NewId("j");
        foreach (var (profile, enrollment, status) in new[] { ("p1", 1, JourneyInstanceStatus.Completed), ("p1", 2, JourneyInstanceStatus.Running), ("p2", 1, JourneyInstanceStatus.Running), ("p3", 1, JourneyInstanceStatus.Exited) })
        {
            Assert.True(await Instances.TryCreateAsync(Instance(journey, profile, enrollment, status), CancellationToken.None));
        }

        Assert.True(await Instances.TryCreateAsync(Instance(other, "p1", 1), CancellationToken.None));

        var page1 = await Instances.ListAsync(journey, null, null, 3, CancellationToken.None);
        var page2 = await Instances.ListAsync(journey, null, page1.Next, 3, CancellationToken.None);
        Assert.Equal(3, page1.Instances.Count);
        Assert.NotNull(page1.Next);
        Assert.Single(page2.Instances);
        Assert.Null(page2.Next);
        Assert.Equal(
            [.. new[] { "p1", "p1", "p2", "p3" }.Zip([1, 2, 1, 1], (p, n) => JourneyInstance.IdFor(journey, 1, p, n)).Order(StringComparer.Ordinal)],
            [.. page1.Instances.Concat(page2.Instances).Select(i => i.InstanceId)]);

        var running = await Instances.ListAsync(journey, JourneyInstanceStatus.Running, null, 10, CancellationToken.None);
        Assert.Equal(["p1", "p2"], running.Instances.Select(i => i.ProfileId).Order());

        Assert.Equal([1, 2], (await Instances.ListForProfileAsync(journey, "p1", CancellationToken.None)).Select(i => i.Enrollment));
        Assert.Empty(await Instances.ListForProfileAsync(journey, "p9", CancellationToken.None));
    }
}
