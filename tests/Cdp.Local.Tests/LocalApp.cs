using System.Net.Http.Headers;
using System.Text;
using Cdp.Core.Sources;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Cdp.Local.Tests;

/// <summary>
/// Cdp.Local hosted in-process. Without a data folder it makes one of its own and deletes it on dispose;
/// given one (a restart test's), it leaves it alone.
/// </summary>
public sealed class LocalApp : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string>? _settings;
    private readonly bool _ownsDirectory;

    public LocalApp(IReadOnlyDictionary<string, string>? settings = null)
        : this(NewDataDirectory(), settings) => _ownsDirectory = true;

    public LocalApp(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null)
    {
        DataDirectory = dataDirectory;
        _settings = settings;
    }

    /// <summary>The write key of the source every test app has (<c>test</c>); clients send it as HTTP Basic user.</summary>
    public const string WriteKey = "test-write-key";

    public string DataDirectory { get; }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(
            (_settings ?? new Dictionary<string, string>())
                .Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))
                .Append(KeyValuePair.Create("CDP_DATA_DIR", (string?)DataDirectory))
                .Append(KeyValuePair.Create("Cdp:Sources:0:Id", (string?)"test"))
                .Append(KeyValuePair.Create("Cdp:Sources:0:WriteKeySha256", (string?)SourceRegistry.HashWriteKey(WriteKey)))));

    protected override void ConfigureClient(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = BasicAuth(WriteKey);
    }

    /// <summary>Segment's scheme: the write key as the Basic user name, an empty password.</summary>
    public static AuthenticationHeaderValue BasicAuth(string writeKey) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
