using Cdp.Core.Sources;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Sources;

/// <summary>Sources created over the API: a key shown once and only hashed, settings validated, configured sources left alone, a store outage survived.</summary>
public sealed class SourceServiceTests : IDisposable
{
    private const string ConfiguredKey = "configured-key";
    private readonly InMemorySourceStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly SourceRegistry _registry;
    private readonly SourceService _service;

    public SourceServiceTests()
    {
        _registry = TestDomain.Sources([new SourceDefinition { Id = "web", Name = "Site", WriteKeySha256 = SourceRegistry.HashWriteKey(ConfiguredKey), Confidence = 0.5 }], _store, _time);
        _service = new SourceService(_store, _registry);
    }

    public void Dispose() => _registry.Dispose();

    [Fact]
    public async Task ACreatedSource_GetsAKeyThatWorks_AndOnlyItsHashIsKept()
    {
        var created = await _service.PutAsync("app", new SourceRequest("Mobile app", Binding: "early", Confidence: 0.8, RequestsPerSecond: 5, Burst: 10), CancellationToken.None);

        Assert.Equal(SourceOutcome.Created, created.Outcome);
        var key = Assert.IsType<string>(created.WriteKey);
        Assert.Equal(43, key.Length);
        var found = await _registry.FindByWriteKeyAsync(key, CancellationToken.None);
        Assert.Equal(("app", BindingMode.Early, 0.8, 5, 10), (found!.Id, found.Binding, found.Confidence, found.RequestsPerSecond, found.Burst));
        var kept = (await _store.GetAsync("app", CancellationToken.None))!.Source;
        Assert.Equal(SourceRegistry.HashWriteKey(key), kept.WriteKeySha256);
        Assert.DoesNotContain(key, System.Text.Json.JsonSerializer.Serialize(kept), StringComparison.Ordinal);
        Assert.Equal(new SourceView("app", "Mobile app", "early", 0.8, 5, 10, null, 3650, 1440, true, "api", created.Source!.Transform), created.Source);
        Assert.Empty(created.Source.Transform);
        Assert.Contains(await _registry.ListAsync(CancellationToken.None), v => v.Id == "web" && v.Origin == "configuration");
    }

    [Fact]
    public async Task AChange_KeepsTheKey_AndANewKey_RetiresTheOldOne()
    {
        var key = (await _service.PutAsync("app", new SourceRequest("App"), CancellationToken.None)).WriteKey!;

        var changed = await _service.PutAsync("app", new SourceRequest("App v2", RequestsPerSecond: 1, Burst: 1), CancellationToken.None);
        Assert.Equal((SourceOutcome.Changed, (string?)null, "App v2"), (changed.Outcome, changed.WriteKey, changed.Source!.Name));
        var source = (await _registry.FindByWriteKeyAsync(key, CancellationToken.None))!;
        Assert.Equal("App v2", source.Name);
        Assert.Null(_registry.TryAcquire(source));
        Assert.NotNull(_registry.TryAcquire(source)); // the new limit (burst 1) applies at once

        var rotated = await _service.NewKeyAsync("app", CancellationToken.None);
        Assert.Equal(SourceOutcome.Changed, rotated.Outcome);
        Assert.Null(await _registry.FindByWriteKeyAsync(key, CancellationToken.None));
        Assert.Equal("app", (await _registry.FindByWriteKeyAsync(rotated.WriteKey, CancellationToken.None))!.Id);

        Assert.Equal(SourceOutcome.Changed, await _service.DeleteAsync("app", CancellationToken.None));
        Assert.Null(await _registry.FindByWriteKeyAsync(rotated.WriteKey, CancellationToken.None));
        Assert.Equal(SourceOutcome.NotFound, await _service.DeleteAsync("app", CancellationToken.None));
        Assert.Equal(SourceOutcome.NotFound, (await _service.NewKeyAsync("app", CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task BadSettings_AreNamedByField_AndNothingIsSaved()
    {
        var refused = await _service.PutAsync("bad id!", new SourceRequest(" ", Binding: "sometimes", Confidence: 2, RequestsPerSecond: 0, Burst: -1, RequiredPurpose: "", MaxEventAgeDays: 0, MaxEventAheadMinutes: -1), CancellationToken.None);

        Assert.Equal(SourceOutcome.Invalid, refused.Outcome);
        Assert.Equal(
            ["binding", "burst", "confidence", "id", "maxEventAgeDays", "maxEventAheadMinutes", "name", "requestsPerSecond", "requiredPurpose"],
            refused.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(SourceOutcome.Invalid, (await _service.PutAsync("x", null, CancellationToken.None)).Outcome);
        Assert.Empty(await _store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AConfiguredSource_IsChangedOnlyInConfiguration_AndItsIdAndKeyCannotBeTaken()
    {
        Assert.Equal(SourceOutcome.Configured, (await _service.PutAsync("web", new SourceRequest("Mine"), CancellationToken.None)).Outcome);
        Assert.Equal(SourceOutcome.Configured, (await _service.NewKeyAsync("web", CancellationToken.None)).Outcome);
        Assert.Equal(SourceOutcome.Configured, await _service.DeleteAsync("web", CancellationToken.None));

        // A stored source that claims a configured id or key (written behind the API's back) never shadows it.
        await _store.TryPutAsync(new SourceDefinition { Id = "web", Name = "Impostor", WriteKeySha256 = SourceRegistry.HashWriteKey("other") }, null, CancellationToken.None);
        await _store.TryPutAsync(new SourceDefinition { Id = "copy", Name = "Copy", WriteKeySha256 = SourceRegistry.HashWriteKey(ConfiguredKey) }, null, CancellationToken.None);
        _registry.Invalidate();
        Assert.Equal("Site", (await _registry.FindByWriteKeyAsync(ConfiguredKey, CancellationToken.None))!.Name);
        Assert.Null(await _registry.FindByWriteKeyAsync("other", CancellationToken.None));
        Assert.Equal(["web"], (await _registry.ListAsync(CancellationToken.None)).Select(v => v.Id));
    }

    [Fact]
    public async Task ASourceCreatedElsewhere_CountsAfterTheRefreshAge()
    {
        Assert.Null(await _registry.FindByWriteKeyAsync("elsewhere", CancellationToken.None)); // read once: empty
        await _store.TryPutAsync(new SourceDefinition { Id = "other", Name = "Other", WriteKeySha256 = SourceRegistry.HashWriteKey("elsewhere"), Confidence = 0.3 }, null, CancellationToken.None);

        Assert.Null(await _registry.FindByWriteKeyAsync("elsewhere", CancellationToken.None));
        Assert.Equal(1.0, _registry.ConfidenceOf("other"));
        _time.Advance(SourceRegistry.RefreshAfter);
        Assert.Equal("other", (await _registry.FindByWriteKeyAsync("elsewhere", CancellationToken.None))!.Id);
        Assert.Equal(0.3, _registry.ConfidenceOf("other"));
        Assert.Equal(0.5, _registry.ConfidenceOf("web"));
    }

    [Fact]
    public async Task AStoreOutage_KeepsTheSourcesLastRead_AndAFirstReadThatFails_Throws()
    {
        var key = (await _service.PutAsync("app", new SourceRequest("App"), CancellationToken.None)).WriteKey!;
        Assert.NotNull(await _registry.FindByWriteKeyAsync(key, CancellationToken.None));

        _store.Failure = new TimeoutException("down");
        _time.Advance(SourceRegistry.RefreshAfter);
        Assert.Equal("app", (await _registry.FindByWriteKeyAsync(key, CancellationToken.None))!.Id);
        Assert.Equal("web", (await _registry.FindByWriteKeyAsync(ConfiguredKey, CancellationToken.None))!.Id);

        using var fresh = TestDomain.Sources([], _store, _time);
        await Assert.ThrowsAsync<TimeoutException>(async () => await fresh.FindByWriteKeyAsync(key, CancellationToken.None));
    }
}
