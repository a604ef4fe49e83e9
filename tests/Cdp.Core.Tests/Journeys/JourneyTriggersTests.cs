using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Tests.Journeys;

public class JourneyTriggersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly JourneyDefinition Welcome = new("welcome", 1, [new JourneyStep(JourneyStep.Wait, "PT1S")], new JourneyTrigger("email"));
    private static readonly JourneyDefinition Manual = new("manual", 1, [new JourneyStep(JourneyStep.Wait, "PT1S")]);

    private readonly RecordingRuntime _runtime = new();

    private static JourneyTriggers Triggers(params JourneyDefinition[] journeys)
    {
        var options = new JourneyOptions();
        options.Journeys.AddRange(journeys);
        return new JourneyTriggers(Options.Create(options), NullLogger<JourneyTriggers>.Instance);
    }

    private static ProfileChange Change(string id, JsonNode? email)
    {
        var profile = new Profile(id, T0);
        if (email is not null || id.EndsWith("null", StringComparison.Ordinal))
        {
            profile.SetTrait("email", new Trait(email, T0, "m1"), Cdp.Testing.TestDomain.Policy());
        }

        return new ProfileChange(id, "1", profile.ToDocument());
    }

    [Fact]
    public async Task OnProfileChanged_TraitPresent_EnrollsOnceWithDeterministicId_AndAsksTheRuntimeOnce()
    {
        var triggers = Triggers(Welcome, Manual);
        var change = Change("p1", JsonValue.Create("ada@example.com"));

        await triggers.OnProfileChangedAsync(change, new ProfileChangeContext(_runtime), CancellationToken.None);
        await triggers.OnProfileChangedAsync(change, new ProfileChangeContext(_runtime), CancellationToken.None);

        var (instanceId, run) = Assert.Single(_runtime.Started);
        Assert.Equal("journey:welcome:v1:p1", instanceId);
        Assert.Equal("p1", run.ProfileId);
        Assert.Equal(1, _runtime.Attempts);
    }

    [Fact]
    public async Task OnProfileChanged_AfterARestart_TheRuntimeDedupes()
    {
        var change = Change("p1", JsonValue.Create("ada@example.com"));

        await Triggers(Welcome).OnProfileChangedAsync(change, new ProfileChangeContext(_runtime), CancellationToken.None);
        await Triggers(Welcome).OnProfileChangedAsync(change, new ProfileChangeContext(_runtime), CancellationToken.None);

        Assert.Single(_runtime.Started);
        Assert.Equal(2, _runtime.Attempts);
    }

    [Theory]
    [InlineData("p-absent")]
    [InlineData("p-null")]
    public async Task OnProfileChanged_TraitAbsentOrNull_DoesNotEnroll(string profileId)
    {
        await Triggers(Welcome).OnProfileChangedAsync(Change(profileId, null), new ProfileChangeContext(_runtime), CancellationToken.None);

        Assert.Empty(_runtime.Started);
    }

    [Fact]
    public void AddCdpCore_InvalidConfiguredJourney_FailsNamingTheField()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cdp:Journeys:0:Id"] = "welcome",
            ["Cdp:Journeys:0:Version"] = "1",
            ["Cdp:Journeys:0:Trigger:TraitSet"] = "email",
            ["Cdp:Journeys:0:Steps:0:Type"] = "wait",
            ["Cdp:Journeys:0:Steps:0:Duration"] = "tomorrow",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddCdpCore().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<JourneyOptions>>().Value);

        Assert.Contains("Cdp:Journeys[0].steps[0].duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCdpCore_ConfiguredJourney_BindsFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cdp:Journeys:0:Id"] = "welcome",
            ["Cdp:Journeys:0:Version"] = "2",
            ["Cdp:Journeys:0:Trigger:TraitSet"] = "email",
            ["Cdp:Journeys:0:Steps:0:Type"] = "webhook",
            ["Cdp:Journeys:0:Steps:0:Url"] = "https://hooks.example.test/welcome",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddCdpCore().BuildServiceProvider();

        var journey = Assert.Single(services.GetRequiredService<IOptions<JourneyOptions>>().Value.Journeys);

        Assert.Equal(new JourneyTrigger("email"), journey.Trigger);
        Assert.Equal(2, journey.Version);
        Assert.Equal(new Uri("https://hooks.example.test/welcome"), Assert.Single(journey.Steps).Url);
    }

    private sealed class RecordingRuntime : IJourneyRuntime
    {
        public Dictionary<string, JourneyRun> Started { get; } = [];

        public int Attempts { get; private set; }

        public Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken)
        {
            Attempts++;
            return Task.FromResult(Started.TryAdd(instanceId, run));
        }

        public Task<JourneyRunStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) =>
            Task.FromResult<JourneyRunStatus?>(null);
    }
}
