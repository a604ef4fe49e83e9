using System.Net.Http.Headers;
using System.Text;
using Cdp.Core.Sources;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>Changes the host's services after its own registrations (to drive a rare fault).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The write key of the source every test app has (<c>test</c>); clients send it as HTTP Basic user.</summary>
    public const string WriteKey = "test-write-key";

    /// <summary>The admin token every test app has (<c>CDP_ADMIN_TOKEN</c>); clients send it as a bearer token to admin routes.</summary>
    public const string AdminToken = "test-admin-token";

    public string DataDirectory { get; }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(
            Settings())).ConfigureTestServices(services => ConfigureServices?.Invoke(services));

    /// <summary>The defaults every test app has, with the test's own settings over them.</summary>
    private Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["CDP_DATA_DIR"] = DataDirectory,
            ["CDP_ADMIN_TOKEN"] = AdminToken,
            ["Cdp:Sources:0:Id"] = "test",
            ["Cdp:Sources:0:WriteKeySha256"] = SourceRegistry.HashWriteKey(WriteKey),
        };
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// A client that authenticates as a real caller would: collection (<c>/api/v1/…</c>, <c>/api/track</c>) with the
    /// write key as Basic user (the default header, which tests may change), the admin API with the admin token.
    /// </summary>
    public new HttpClient CreateClient()
    {
        var client = CreateDefaultClient(new Credentials());
        client.DefaultRequestHeaders.Authorization = BasicAuth(WriteKey);
        return client;
    }

    /// <summary>A client that sends no credentials unless a request carries its own.</summary>
    public HttpClient CreateAnonymousClient() => base.CreateClient();

    private sealed class Credentials : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var collect = path.StartsWith("/api/v1/", StringComparison.Ordinal) || path == "/api/track";
            if (!collect && request.Headers.Authorization is null or { Scheme: "Basic" })
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Segment's scheme: the write key as the Basic user name, an empty password.</summary>
    public static AuthenticationHeaderValue BasicAuth(string writeKey) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            await DeleteAsync(DataDirectory);
        }
    }

    /// <summary>
    /// Deletes a data folder, trying again for a moment when a file appears in it meanwhile: work the host started before
    /// it stopped (the in-process Durable backend's last activity) can still open the database as the folder goes. A
    /// folder that stays busy fails the test.
    /// </summary>
    private static async Task DeleteAsync(string directory)
    {
        for (var attempt = 1; Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                SqliteConnection.ClearAllPools();
                await Task.Delay(100);
            }
        }
    }
}
