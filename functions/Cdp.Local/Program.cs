using Cdp.Local;

var builder = WebApplication.CreateBuilder(args);

// Sources, journeys and other settings may also come from a JSON file of the operator's.
if (builder.Configuration[LocalHost.ConfigFileVariable] is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
}

// Loopback by default; --urls or ASPNETCORE_URLS choose another address.
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls(LocalHost.DefaultUrl);
}

builder.Services.AddCdpLocal();

var app = builder.Build();
// Any failure the endpoints did not turn into a reply is a 500 with a problem-details body (RFC 9457), never an empty one.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCdpConsole();
app.UseCors();
app.MapCdpApi();
app.MapCdpApiDocument();
app.Run();

/// <summary>The entry point (public so that tests can host it with WebApplicationFactory).</summary>
public partial class Program;
