using System.Net.Sockets;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The receive side of an RTSP connection (server or client): one fixed buffer sized for the largest unit
/// <see cref="RtspLimits"/> allows, filled from the socket and split by <see cref="RtspStreamParser"/>.
/// </summary>
internal sealed class RtspConnectionReader(Socket socket, RtspLimits limits, Connection connection)
{
    private readonly byte[] _buffer = new byte[limits.MaxUnitBytes];
    private int _start;
    private int _end;

    /// <summary>
    /// Returns the next unit, reading from the socket as needed. <see cref="RtspReadStatus.NeedMore"/> here
    /// means the peer closed the connection (cleanly when nothing was pending).
    /// </summary>
    public async ValueTask<(RtspReadStatus Status, RtspMessage? Message, RtspInterleavedFrame Frame, ReadOnlyMemory<byte> Payload)> ReadAsync(
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = RtspStreamParser.Read(_buffer.AsSpan(_start, _end - _start), limits, out var message, out var frame, out var consumed);
            if (status != RtspReadStatus.NeedMore)
            {
                var payload = status == RtspReadStatus.InterleavedFrame
                    ? _buffer.AsMemory(_start + RtspInterleavedFrame.HeaderLength, frame.Length)
                    : ReadOnlyMemory<byte>.Empty;
                _start += consumed;
                return (status, message, frame, payload);
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                return (RtspReadStatus.Invalid, null, default, default);
            }

            int read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            connection.AddReceived(read);
            if (read == 0)
            {
                return (RtspReadStatus.NeedMore, null, default, default);
            }

            _end += read;
        }
    }

    /// <summary>True when unread bytes remain (a truncated unit at the end of the stream).</summary>
    public bool HasPending => _end > _start;
}
