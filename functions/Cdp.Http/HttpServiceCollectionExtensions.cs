using Cdp.Core.Collect;
using Cdp.Core.Profiles;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cdp.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>Registers the HTTP handlers and the domain services they call (the stores come from an adapter).</summary>
    public static IServiceCollection AddCdpHttp(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(CollectHandler)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CollectService>();
        services.AddSingleton<ProfileReader>();
        services.AddSingleton<CollectHandler>();
        services.AddSingleton<ProfileHandler>();
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
