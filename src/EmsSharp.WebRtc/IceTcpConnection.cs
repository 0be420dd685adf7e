using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EmsSharp.WebRtc;

/// <summary>
/// One accepted ICE-TCP connection (RFC 6544) to the port's passive candidate: the path of the session whose check
/// arrived first on it. Datagrams travel framed by a 2-byte length (RFC 4571 §2, RFC 6544 §3). Sends never block the
/// caller: frames queue (bounded) for a writer task, and a full queue drops like a lossy network.
/// </summary>
internal sealed class IceTcpConnection : IPacketPath
{
    /// <summary>Largest frame read or sent: ICE, DTLS and SRTP datagrams stay far below it.</summary>
    public const int MaxFrame = 4096;

    private const int MaxQueuedFrames = 512;

    private readonly Socket _socket;
    private readonly FrameOutbox _outbox;

    public IceTcpConnection(Socket socket)
    {
        _socket = socket;
        Remote = (IPEndPoint)socket.RemoteEndPoint!;
        Local = (IPEndPoint)socket.LocalEndPoint!;
        _outbox = new FrameOutbox(MaxQueuedFrames, SendAllAsync);
    }

    /// <inheritdoc/>
    public string Kind => "tcp";

    /// <summary>The peer's address: the only destination of this path.</summary>
    public IPEndPoint Remote { get; }

    /// <summary>The local address the peer connected to.</summary>
    public IPEndPoint Local { get; }

    /// <summary>The session the connection serves, once its first check named one.</summary>
    public PeerSession? Session { get; set; }

    /// <summary>The connection's base id in <see cref="Session"/>.</summary>
    public int Base { get; set; }

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        if (datagram.Length > MaxFrame || !destination.Equals(Remote))
        {
            return;
        }

        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)datagram.Length);
        _outbox.TryEnqueue(length, datagram);
    }

    /// <summary>
    /// Reads frames until the peer closes, a frame is malformed, or <paramref name="firstFrameTimeout"/> (before the
    /// first frame) or <paramref name="idleTimeout"/> (between later ones) passes. Returns false when
    /// <paramref name="onFrame"/> refuses a frame.
    /// </summary>
    public async Task ReadAsync(Func<IceTcpConnection, ReadOnlyMemory<byte>, bool> onFrame, TimeSpan firstFrameTimeout,
        TimeSpan idleTimeout, TimeProvider time, CancellationToken stop)
    {
        var buffer = new byte[MaxFrame];
        var header = new byte[2];
        var timeout = firstFrameTimeout;
        while (true)
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop);
            try
            {
                await ReadExactlyAsync(header, linked.Token).ConfigureAwait(false);
                var length = BinaryPrimitives.ReadUInt16BigEndian(header);
                if (length is 0 or > MaxFrame)
                {
                    return;
                }

                await ReadExactlyAsync(buffer.AsMemory(0, length), linked.Token).ConfigureAwait(false);
                if (!onFrame(this, buffer.AsMemory(0, length)))
                {
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException)
            {
                return;
            }

            timeout = idleTimeout;
        }
    }

    /// <summary>Closes the socket; the writer ends.</summary>
    public async Task CloseAsync()
    {
        _outbox.Complete();
        _socket.Dispose();
        await _outbox.Completion.ConfigureAwait(false);
    }

    private async Task ReadExactlyAsync(Memory<byte> into, CancellationToken token)
    {
        while (!into.IsEmpty)
        {
            var n = await _socket.ReceiveAsync(into, SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            into = into[n..];
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            frame = frame[await _socket.SendAsync(frame, SocketFlags.None).ConfigureAwait(false)..];
        }
    }
}
