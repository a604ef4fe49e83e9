using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace Cdp.Local.Tests;

/// <summary>Cdp.Local hosted in-process over a data folder of its own; a second instance over the same folder is a restart.</summary>
public sealed class LocalApp(string dataDirectory) : WebApplicationFactory<Program>
{
    public LocalApp()
        : this(Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N")))
    {
    }

    public string DataDirectory { get; } = dataDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseSetting("CDP_DATA_DIR", DataDirectory);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
