using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>Registers the HTTP handlers and the JSON and problem-details settings of their replies (the domain services come from <c>AddCdpCore</c>).</summary>
    public static IServiceCollection AddCdpHttp(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(CollectHandler)))
        {
            return services;
        }

        services.AddSingleton<CollectHandler>();
        services.AddSingleton<ProfileHandler>();
        services.AddSingleton<TracardiHandler>();
        services.AddSingleton<DeadLetterHandler>();
        services.AddSingleton<SegmentHandler>();
        services.AddSingleton<JourneyHandler>();
        services.AddSingleton<ConsentHandler>();
        services.AddSingleton<PrivacyHandler>();
        services.AddSingleton<MasterKeyHandler>();
        services.AddSingleton<AuditHandler>();
        services.AddSingleton<SourceHandler>();
        services.AddSingleton<DestinationHandler>();
        services.AddSingleton<ActivityHandler>();
        services.AddSingleton<StatusHandler>();
        services.AddSingleton<ImportHandler>();
        services.AddHostedService<ActivityFlusher>(); // every host that serves the API counts its activity for the overview
        services.AddProblemDetails();
        services.Configure<JsonOptions>(options =>
        {
            foreach (var converter in Core.Events.CdpJson.Options.Converters)
            {
                options.SerializerOptions.Converters.Add(converter);
            }

            options.SerializerOptions.DefaultIgnoreCondition = Core.Events.CdpJson.Options.DefaultIgnoreCondition;
        });
        return services;
    }
}
