using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Interop.Tests;

/// <summary>Loopback TCP ports for tests.</summary>
internal static class LoopbackPort
{
    /// <summary>A port the system just handed out and nothing listens on any more: free to bind, a connect there is refused.</summary>
    public static int Closed()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
