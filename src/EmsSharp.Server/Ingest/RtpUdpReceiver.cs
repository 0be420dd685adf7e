using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// A bound pair of UDP sockets for one RTP track (RFC 3550 §11: RTP on an even port, RTCP on the next one),
/// receiving RTP into an <see cref="RtpTrackIngest"/>. RTCP is received and ignored so the port stays open.
/// </summary>
internal sealed class RtpUdpReceiver : IDisposable
{
    private const int MaxAttempts = 64;
    private readonly Socket _rtp;
    private readonly Socket _rtcp;

    private RtpUdpReceiver(Socket rtp, Socket rtcp)
    {
        _rtp = rtp;
        _rtcp = rtcp;
    }

    public int RtpPort => ((IPEndPoint)_rtp.LocalEndPoint!).Port;

    public int RtcpPort => ((IPEndPoint)_rtcp.LocalEndPoint!).Port;

    private long _lastPacketTimestamp;
    private long _foreignPackets;

    /// <summary>Time-provider timestamp of the last RTP packet received (for idle checks); 0 before any.</summary>
    public long LastPacketTimestamp => Volatile.Read(ref _lastPacketTimestamp);

    /// <summary>Binds an even ephemeral port and the odd one after it on <paramref name="address"/>.</summary>
    public static RtpUdpReceiver Bind(IPAddress address)
    {
        var (rtp, rtcp) = BindPair(address);
        rtp.ReceiveBufferSize = 1024 * 1024;
        return new RtpUdpReceiver(rtp, rtcp);
    }

    /// <summary>
    /// Binds an even ephemeral UDP port and the odd one after it on <paramref name="address"/> (RFC 3550 §11: RTP on an
    /// even port, RTCP on the next); RTSP publishers and players both use it.
    /// </summary>
    public static (Socket Rtp, Socket Rtcp) BindPair(IPAddress address)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(address, 0));
            int port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
            if (port % 2 != 0 || port == 65534)
            {
                rtp.Dispose();
                continue;
            }

            var rtcp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                rtcp.Bind(new IPEndPoint(address, port + 1));
                return (rtp, rtcp);
            }
            catch (SocketException)
            {
                rtp.Dispose();
                rtcp.Dispose();
            }
        }

        throw new IOException("no free even/odd UDP port pair for RTP/RTCP");
    }

    /// <summary>
    /// Receives until disposed or cancelled, feeding RTP packets from <paramref name="source"/> (the peer's RTP
    /// address from the Transport header) to <paramref name="track"/>; packets from anywhere else are dropped,
    /// so nobody but the negotiated peer can inject media.
    /// </summary>
    public Task RunAsync(RtpTrackIngest track, IPEndPoint source, TimeProvider time, CancellationToken cancellationToken) =>
        Task.WhenAll(ReceiveRtpAsync(track, source, time, cancellationToken), DrainRtcpAsync(cancellationToken));

    /// <summary>Packets dropped because they came from another address than the negotiated peer.</summary>
    public long ForeignPackets => Volatile.Read(ref _foreignPackets);

    public void Dispose()
    {
        _rtp.Dispose();
        _rtcp.Dispose();
    }

    private async Task ReceiveRtpAsync(RtpTrackIngest track, IPEndPoint source, TimeProvider time, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[65536];
        var expected = source.Serialize();
        var received = new SocketAddress(expected.Family, expected.Size);
        try
        {
            while (true)
            {
                int read = await _rtp.ReceiveFromAsync(buffer, SocketFlags.None, received, cancellationToken).ConfigureAwait(false);
                if (!received.Equals(expected))
                {
                    Interlocked.Increment(ref _foreignPackets);
                    continue;
                }

                Volatile.Write(ref _lastPacketTimestamp, time.GetTimestamp());
                track.HandleRtp(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closed with the session.
        }
    }

    private async Task DrainRtcpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        try
        {
            while (true)
            {
                await _rtcp.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closed with the session.
        }
    }
}
