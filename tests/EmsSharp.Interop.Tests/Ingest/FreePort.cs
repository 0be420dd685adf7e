using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// A loopback TCP port that was free a moment ago, for peers (ffmpeg, a second ems restarted on the same port) that cannot
/// bind port 0 and report it. It is drawn below the system's ephemeral range (<c>net.ipv4.ip_local_port_range</c>): a port
/// that <c>bind(0)</c> handed out comes from that range, so while its first holder is down (a target killed and restarted)
/// any connection or <c>bind(0)</c> elsewhere in the suite could be given it, and the restart then found it taken.
/// </summary>
internal static class FreePort
{
    private const int Lowest = 10_000;

    public static int Get()
    {
        var below = EphemeralRangeStart();
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, below);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // taken: draw again
            }
        }

        throw new InvalidOperationException($"no free loopback TCP port between {Lowest} and {below} in 1,000 draws");
    }

    private static int EphemeralRangeStart()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        var first = File.ReadAllText(path).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
        var start = int.Parse(first, CultureInfo.InvariantCulture);
        return start > Lowest + 1_000 ? start : throw new InvalidOperationException($"{path} starts at {start}: no room below it for test ports");
    }
}
