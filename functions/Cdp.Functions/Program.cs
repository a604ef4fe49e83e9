using Cdp.Azure;
using Cdp.Core.Changes;
using Cdp.Core.Ingest;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddCdpAzure(builder.Configuration);
builder.Services.AddCdpHttp();
builder.Services.AddSingleton<IngestService>();
builder.Services.AddSingleton<ProfileChangeProcessor>();
builder.Services.AddJourneyActivities();

builder.Build().Run();
