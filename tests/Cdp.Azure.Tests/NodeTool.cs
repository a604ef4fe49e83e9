using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cdp.Azure.Tests;

/// <summary>
/// Starts a Node tool that scripts/test.sh installs into <c>scripts/tools/node</c> (the Cosmos DB stand-in,
/// Azurite) on a free loopback port, waits for its ready line, and stops it with the test run.
/// </summary>
internal sealed class NodeTool : IAsyncDisposable
{
    private readonly Process _process;

    private NodeTool(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NodeTool> StartAsync(string tool, Func<int, IEnumerable<string>> arguments, string readyText)
    {
        var executable = Path.Combine(Cdp.Testing.RepositoryFiles.Root, "scripts", "tools", "node", "node_modules", ".bin", tool);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{tool} is not installed at {executable}. Run scripts/test.sh: it installs the test tools.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(executable, arguments(port))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new StringBuilder();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                output.AppendLine(line);
                if (line.Contains(readyText, StringComparison.Ordinal))
                {
                    return new NodeTool(process, port);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below with what the tool printed.
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"{tool} did not start:\n{output}{await process.StandardError.ReadToEndAsync(CancellationToken.None)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
