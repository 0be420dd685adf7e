using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// Bridges BouncyCastle's blocking <see cref="DatagramTransport"/> to our push model: received datagrams wait
/// in a bounded queue; during the handshake its thread blocks on it with a timed wait (never a sleep loop), after
/// it (<see cref="StopWaiting"/>) a receive takes what is queued and never waits.
/// </summary>
internal sealed class BcDatagramBridge(IDtlsTransportHandler handler) : DatagramTransport, IDisposable
{
    /// <summary>Largest DTLS datagram we send; keeps handshake flights under common path MTUs.</summary>
    public const int SendLimit = 1200;

    private const int ReceiveLimit = 1500;
    private const int QueueCapacity = 64;

    private readonly BlockingCollection<byte[]> _incoming = new(QueueCapacity);
    private readonly CancellationTokenSource _closed = new();

    private volatile bool _waits = true;

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>True while a received datagram waits to be read.</summary>
    public bool HasQueued => _incoming.Count > 0;

    /// <summary>A receive was ended by <see cref="Close"/> (ours, or BouncyCastle's after close_notify).</summary>
    public bool ReceiveEndedByClose { get; private set; }

    public bool Enqueue(ReadOnlySpan<byte> datagram) =>
        !IsClosed && datagram.Length <= ReceiveLimit && _incoming.TryAdd(datagram.ToArray());

    public int GetReceiveLimit() => ReceiveLimit;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        try
        {
            if (!_incoming.TryTake(out var datagram, _waits ? Math.Max(waitMillis, 0) : 0, _closed.Token))
            {
                return -1;
            }

            var n = Math.Min(datagram.Length, buffer.Length);
            datagram.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        catch (OperationCanceledException)
        {
            ReceiveEndedByClose = true;
            throw new TlsFatalAlert(AlertDescription.internal_error, "transport closed");
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!IsClosed)
        {
            handler.OnDtlsTransmit(buffer);
        }
    }

    /// <summary>From now on a receive returns at once when nothing is queued (the handshake is over).</summary>
    public void StopWaiting() => _waits = false;

    public void Close() => _closed.Cancel();

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
        _incoming.Dispose();
    }
}
