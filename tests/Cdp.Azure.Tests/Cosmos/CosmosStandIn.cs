using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cdp.Azure;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// A Cosmos DB endpoint for over-the-wire tests. By default the Node stand-in <c>@vercel/cosmosdb-server</c>
/// that scripts/test.sh installs into <c>scripts/tools/node</c>, started here on a free loopback port and stopped
/// at the end. Set <c>CDP_COSMOS_TEST_CONNECTION</c> to a connection string to run the same tests against
/// the official emulator (or an account) instead.
/// </summary>
/// <remarks>
/// The stand-in answers a read of a missing item with 500 instead of 404; <see cref="StandInFixes"/>
/// rewrites exactly that reply. Nothing else is changed.
/// </remarks>
public sealed class CosmosStandIn : IAsyncLifetime
{
    public const string ConnectionVariable = "CDP_COSMOS_TEST_CONNECTION";

    // The well-known emulator key; the stand-in accepts any key.
    private const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DjzJmu8qAnjK9jw3nqvS2+xzA8aAvWk4hZ4pPuwuvmzUqg==";

    private Process? _process;

    public CosmosClient Client { get; private set; } = null!;

    public Database Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connection = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(connection))
        {
            var port = FreePort();
            _process = await StartStandInAsync(port);
            connection = $"AccountEndpoint=http://127.0.0.1:{port}/;AccountKey={EmulatorKey}";
        }

        var options = AzureServiceCollectionExtensions.CreateCosmosClientOptions(emulator: true);
        options.HttpClientFactory = () => new HttpClient(new StandInFixes { InnerHandler = new SocketsHttpHandler() });
        Client = new CosmosClient(connection, options);
        Database = (await Client.CreateDatabaseIfNotExistsAsync("cdp-tests-" + Guid.NewGuid().ToString("N")[..8])).Database;
    }

    /// <summary>A container partitioned on <c>/id</c>, as <c>identities</c> and <c>profiles</c> are.</summary>
    public async Task<Container> ContainerAsync(string name) =>
        (await Database.CreateContainerIfNotExistsAsync(name, "/id")).Container;

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private static async Task<Process> StartStandInAsync(int port)
    {
        var executable = StandInExecutable();
        var start = new ProcessStartInfo(executable, ["--host", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-ssl"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new StringBuilder();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!limit.IsCancellationRequested)
        {
            var line = await process.StandardOutput.ReadLineAsync(limit.Token);
            if (line is null)
            {
                break;
            }

            output.AppendLine(line);
            if (line.Contains("Ready", StringComparison.Ordinal))
            {
                return process;
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"The Cosmos DB stand-in did not start:\n{output}{await process.StandardError.ReadToEndAsync(CancellationToken.None)}");
    }

    private static string StandInExecutable()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cdp.Functions.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? ".", "scripts", "tools", "node", "node_modules", ".bin", "cosmosdb-server");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"The Cosmos DB stand-in is not installed at {path}. Run scripts/test.sh (it installs it), or set {ConnectionVariable} to an emulator's connection string.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Turns the stand-in's 500 on a read of a missing item into the 404 Cosmos DB returns.</summary>
    private sealed class StandInFixes : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get
                && response.StatusCode == HttpStatusCode.InternalServerError
                && request.RequestUri?.AbsolutePath.Contains("/docs/", StringComparison.Ordinal) == true)
            {
                response.Dispose();
                return new HttpResponseMessage(HttpStatusCode.NotFound)
                {
                    RequestMessage = request,
                    Content = new StringContent("""{"code":"NotFound","message":"Entity with the specified id does not exist in the system."}""", Encoding.UTF8, "application/json"),
                };
            }

            return response;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosCollection : ICollectionFixture<CosmosStandIn>
{
    public const string Name = "cosmos";
}
