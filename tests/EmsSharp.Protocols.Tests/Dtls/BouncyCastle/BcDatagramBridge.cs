using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// Bridges BouncyCastle's blocking <see cref="DatagramTransport"/> to our push model: during the handshake, received
/// datagrams wait in a bounded queue on which its thread blocks with a timed wait (never a sleep loop). After it
/// (<see cref="StopWaiting"/>) a receive never waits: it takes what is left in the queue, then the one datagram the
/// receiving thread holds out (<see cref="Hold"/>), copied once into a buffer of the bridge's own.
/// </summary>
internal sealed class BcDatagramBridge(IDtlsTransportHandler handler) : DatagramTransport, IDisposable
{
    /// <summary>Largest DTLS datagram we send; keeps handshake flights under common path MTUs.</summary>
    public const int SendLimit = 1200;

    private const int ReceiveLimit = 1500;
    private const int QueueCapacity = 64;

    private readonly BlockingCollection<byte[]> _incoming = new(QueueCapacity);
    private readonly CancellationTokenSource _closed = new();

    private readonly byte[] _held = new byte[ReceiveLimit];
    private int _heldLength = -1;

    private volatile bool _waits = true;

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>True while a received datagram waits to be read.</summary>
    public bool HasQueued => _heldLength >= 0 || _incoming.Count > 0;

    /// <summary>A receive was ended by <see cref="Close"/> (ours, or BouncyCastle's after close_notify).</summary>
    public bool ReceiveEndedByClose { get; private set; }

    public bool Enqueue(ReadOnlySpan<byte> datagram) =>
        !IsClosed && datagram.Length <= ReceiveLimit && _incoming.TryAdd(datagram.ToArray());

    /// <summary>
    /// Once connected, on the receiving thread under the transport's receive gate: holds out <paramref name="datagram"/>
    /// for the next receive, which the caller runs at once. False when closed, oversize, or one is held already.
    /// </summary>
    public bool Hold(ReadOnlySpan<byte> datagram)
    {
        if (IsClosed || datagram.Length > ReceiveLimit || _heldLength >= 0)
        {
            return false;
        }

        datagram.CopyTo(_held);
        _heldLength = datagram.Length;
        return true;
    }

    public int GetReceiveLimit() => ReceiveLimit;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        try
        {
            // Queued first: they came before the one held, while the handshake ended.
            if (!_waits && _incoming.Count == 0)
            {
                return TakeHeld(buffer);
            }

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

    private int TakeHeld(Span<byte> buffer)
    {
        _closed.Token.ThrowIfCancellationRequested(); // as TryTake: Receive ends it as a close
        var length = _heldLength;
        if (length < 0)
        {
            return -1;
        }

        _heldLength = -1;
        var n = Math.Min(length, buffer.Length);
        _held.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

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
