using Cdp.Core.Destinations;
using Cdp.Core.Sources;

namespace Cdp.Testing.Contracts;

/// <summary>
/// What every adapter of the destination store must do: a destination created once, replaced against its tag, read back
/// whole (nested settings, filters and mapping included), listed in id order; its status kept apart, replaced against its
/// own tag, and removed with it.
/// </summary>
public abstract class DestinationStoreContract
{
    protected abstract IDestinationStore Store { get; }

    private static DestinationDefinition Destination(string id, string name) => new()
    {
        Id = id,
        Name = name,
        Type = "hubspot",
        Settings = new(StringComparer.Ordinal) { ["endpoint"] = "https://api.hubapi.com" },
        Secrets = new(StringComparer.Ordinal) { ["accessToken"] = "sealed:v1:abc" },
        Audiences = new DestinationAudiences { Segments = ["pro"], Traits = ["plan"], Names = new() { ["pro"] = "17" } },
        Mapping = [new TransformStep { Op = "rename", From = "traits.plan", To = "traits.tier" }],
        Purpose = "marketing_email",
        PersonalData = ["email"],
        RequestsPerSecond = 5,
        CreatedAt = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task ADestination_IsCreatedOnce_ReplacedAgainstItsTag_ReadBackWhole_AndDeletedWithItsStatus()
    {
        var id = "d" + Guid.NewGuid().ToString("N")[..12];
        var first = Destination(id, "CRM");
        var tag = await Store.TryPutAsync(first, null, CancellationToken.None);
        Assert.NotNull(tag);
        Assert.Null(await Store.TryPutAsync(first, null, CancellationToken.None));
        Assert.NotNull(await Store.TryPutAsync(Destination(id + "-b", "Other"), null, CancellationToken.None));

        var renamed = Destination(id, "CRM (EU)");
        Assert.NotNull(await Store.TryPutAsync(renamed, tag, CancellationToken.None));
        Assert.Null(await Store.TryPutAsync(first, tag, CancellationToken.None));

        var held = (await Store.GetAsync(id, CancellationToken.None))!.Value.Destination;
        Assert.Equal(("CRM (EU)", "hubspot", "https://api.hubapi.com", "sealed:v1:abc"), (held.Name, held.Type, held.Settings["endpoint"], held.Secrets["accessToken"]));
        Assert.Equal(["pro"], held.Audiences!.Segments);
        Assert.Equal(["plan"], held.Audiences.Traits!);
        Assert.Equal("17", held.Audiences.NameOf("pro"));
        Assert.Equal(("rename", "traits.plan", "traits.tier"), (held.Mapping![0].Op, held.Mapping[0].From, held.Mapping[0].To));
        Assert.Equal(("marketing_email", "email", 5.0, renamed.CreatedAt), (held.Purpose, held.PersonalData.Single(), held.RequestsPerSecond!.Value, held.CreatedAt));
        Assert.Null(held.Events);
        var listed = (await Store.ListAsync(CancellationToken.None)).Select(d => d.Id).Where(d => d.StartsWith(id, StringComparison.Ordinal));
        Assert.Equal([id, id + "-b"], listed);

        var status = new DestinationStatus(id, LastSuccessAt: renamed.CreatedAt, Delivered: 3, Withheld: 1);
        var statusTag = await Store.TryPutStatusAsync(status, null, CancellationToken.None);
        Assert.NotNull(statusTag);
        Assert.Null(await Store.TryPutStatusAsync(status, null, CancellationToken.None));
        var next = status with { LastErrorAt = renamed.CreatedAt.AddMinutes(1), LastError = "answered 401", DeadLettered = 2 };
        Assert.NotNull(await Store.TryPutStatusAsync(next, statusTag, CancellationToken.None));
        Assert.Null(await Store.TryPutStatusAsync(status, statusTag, CancellationToken.None));
        Assert.Equal(next, (await Store.GetStatusAsync(id, CancellationToken.None))!.Value.Status);

        Assert.True(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.Null(await Store.GetAsync(id, CancellationToken.None));
        Assert.Null(await Store.GetStatusAsync(id, CancellationToken.None));
        Assert.NotNull(await Store.GetAsync(id + "-b", CancellationToken.None));
    }
}
