using System.Net;

namespace EmsSharp.WebRtc;

/// <summary>
/// A way a session's datagrams leave the machine (a local base, RFC 8445 §5.1.1.3): the shared UDP socket, a TURN
/// allocation on a relay (RFC 8656), or an ICE-TCP connection (RFC 6544). ICE checks every pair on its base and the
/// session sends media, RTCP, DTLS/SCTP and consent checks on the selected pair's path alike.
/// </summary>
public interface IPacketPath
{
    /// <summary>What the path is, for logs and stats: <c>udp</c>, <c>tcp</c>, <c>turn/udp</c>, <c>turn/tcp</c>, <c>turn/tls</c>.</summary>
    string Kind { get; }

    /// <summary>Sends one datagram to <paramref name="destination"/> over this path. Thread-safe; a failure is logged, not thrown.</summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination);

    /// <summary>
    /// Sends several datagrams to <paramref name="destination"/>, in order: <paramref name="datagrams"/> holds them back
    /// to back, <paramref name="lengths"/> their sizes (see <see cref="DatagramBatch"/>). Thread-safe; a failure is
    /// logged, not thrown, and costs only the datagrams it concerns. By default one <see cref="Send"/> per datagram;
    /// the UDP port sends a batch in one system call where the OS allows it.
    /// </summary>
    void SendBatch(ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, IPEndPoint destination) =>
        SendEach(this, datagrams, lengths, destination);

    /// <summary>A batch as one <see cref="Send"/> per datagram: the default, and the portable path of the UDP port.</summary>
    internal static void SendEach(IPacketPath path, ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, IPEndPoint destination)
    {
        var offset = 0;
        foreach (var length in lengths)
        {
            path.Send(datagrams.Slice(offset, length), destination);
            offset += length;
        }
    }
}
