using Cdp.Core.Destinations;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Destinations;

public static class DestinationServiceCollectionExtensions
{
    /// <summary>The built-in destination clients (both hosts).</summary>
    public static IServiceCollection AddCdpDestinations(this IServiceCollection services)
    {
        services.AddHttpClient(DestinationHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<IDestinationClient, WebhookDestination>();
        services.AddSingleton<IDestinationClient, SegmentDestination>();
        services.AddSingleton<IDestinationClient, HubSpotDestination>();
        services.AddSingleton<IDestinationClient, MailchimpDestination>();
        services.AddSingleton<IDestinationClient, SlackDestination>();
        services.AddSingleton<IDestinationClient, Ga4Destination>();
        return services;
    }
}
