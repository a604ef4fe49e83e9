using Cdp.Core.Changes;
using Cdp.Core.Journeys;
using Cdp.Embedded.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// Reads the embedded profile change log and hands changes to the profile change processor (the local
/// counterpart of the Cosmos DB change-feed–triggered function).
/// </summary>
public sealed class ProfileChangeConsumer(SqliteProfileStore feed, ProfileChangeProcessor processor, IJourneyRuntime journeys, TimeProvider time, ILogger<ProfileChangeConsumer> logger, ConsumerHealth? health = null) : BackgroundService
{
    public const string Name = "profile-changes";

    public const int BatchSize = 100;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ConsumerLoop.RunAsync(Name, StepAsync, feed.Changed, time, logger, stoppingToken, health);

    private async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var batch = await feed.ReadAsync(Name, BatchSize, cancellationToken);
        if (batch.Changes.Count == 0)
        {
            return false;
        }

        await processor.ProcessAsync(batch.Changes, new ProfileChangeContext(journeys), cancellationToken);
        await feed.CheckpointAsync(Name, batch, cancellationToken);
        return true;
    }
}
