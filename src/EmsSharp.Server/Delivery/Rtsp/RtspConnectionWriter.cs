using System.Net.Sockets;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>
/// The send side of one RTSP server connection: responses and, for a TCP player, interleaved RTP/RTCP (RFC 2326 §10.12)
/// share the socket, so every write takes one lock and goes out whole, never interleaved with another. A write that the
/// peer does not drain within the send timeout fails: the kernel's socket buffer is the only outbound buffer, so a
/// stalled player is dropped instead of buffered without bound.
/// </summary>
internal sealed class RtspConnectionWriter(Socket socket, Connection connection, TimeSpan sendTimeout) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Sends <paramref name="bytes"/> whole; throws <see cref="TimeoutException"/> when the peer stalls past the timeout.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(sendTimeout);
            try
            {
                while (!bytes.IsEmpty)
                {
                    var sent = await socket.SendAsync(bytes, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    connection.AddSent(sent);
                    bytes = bytes[sent..];
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("the RTSP peer did not read for " + sendTimeout);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
