using Cdp.Azure;
using Cdp.Core;
using Cdp.Destinations;
using Cdp.Functions;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<Cdp.Functions.Privacy.AdminMiddleware>();

builder.Services.AddCdpAzure();
builder.Services.AddCdpAzureStatus();
builder.Services.AddCdpCore();
builder.Services.AddCdpSegments();
builder.Services.AddCdpJourneys();
builder.Services.AddCdpHttp();
builder.Services.AddCdpDestinations();
builder.Services.AddJourneyActivities();
builder.Services.AddCdpTelemetry(builder.Configuration);

builder.Build().Run();
