using System.Net;
using System.Net.Sockets;

namespace Cdp.Journeys;

/// <summary>
/// A loopback port free now, for the in-process Durable Task host's gRPC sidecar. Left to itself the host picks a
/// random port from 30000–39999, which overlaps the range Linux hands out for outgoing connections and collides
/// with other hosts ("address already in use"); the system's pick of a free port does not.
/// </summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
