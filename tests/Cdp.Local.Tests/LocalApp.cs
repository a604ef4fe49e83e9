using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Cdp.Local.Tests;

/// <summary>Cdp.Local hosted in-process over a data folder of its own; a second instance over the same folder is a restart.</summary>
public sealed class LocalApp(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public LocalApp(IReadOnlyDictionary<string, string>? settings = null)
        : this(Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N")), settings)
    {
    }

    public string DataDirectory { get; } = dataDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(
            (settings ?? new Dictionary<string, string>())
                .Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))
                .Append(KeyValuePair.Create("CDP_DATA_DIR", (string?)DataDirectory))));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
