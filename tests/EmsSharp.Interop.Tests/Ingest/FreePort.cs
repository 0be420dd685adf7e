using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>A loopback TCP port that was free a moment ago, for peers (ffmpeg) that cannot bind port 0 and report it.</summary>
internal static class FreePort
{
    public static int Get()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
