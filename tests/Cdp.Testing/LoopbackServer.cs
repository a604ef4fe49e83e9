using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Testing;

/// <summary>A real HTTP server for tests: Kestrel on a loopback port the system assigns, its routes mapped by the caller.</summary>
public static class LoopbackServer
{
    /// <summary>Starts a server with what <paramref name="map"/> maps; <paramref name="url"/> is its address, ending in '/'.</summary>
    public static WebApplication Start(Action<WebApplication> map, out Uri url)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        map(app);
        app.StartAsync().GetAwaiter().GetResult();
        url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        return app;
    }
}
