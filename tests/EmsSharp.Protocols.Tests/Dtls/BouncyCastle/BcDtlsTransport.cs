using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// <see cref="IDtlsTransport"/> on BouncyCastle. Its blocking handshake runs on a <see cref="DtlsHandshakePool"/>
/// thread; once connected, no thread is held: each received datagram is processed by BouncyCastle's record layer on
/// the thread that hands it in (<see cref="HandleDatagram"/>, the session's loop), and everything is reported to the
/// handler.
/// </summary>
public sealed class BcDtlsTransport : IDtlsTransport
{
    /// <summary>
    /// The first retransmission timer of each flight, in ms: RFC 6347 §4.2.4.1's 1 s (BouncyCastle's default too).
    /// BouncyCastle doubles it on each retransmission of the same flight, up to 60 s, and measures it on its own
    /// wall clock (see docs/ARCHITECTURE.md, rule 2).
    /// </summary>
    internal const int DefaultHandshakeResendMillis = 1000;

    /// <summary>
    /// BouncyCastle's own wall-clock bound on a whole handshake, in ms: a backstop only, the session's DTLS deadline
    /// (on its <see cref="TimeProvider"/>) closes a stuck handshake first.
    /// </summary>
    internal const int HandshakeTimeoutMillis = 30_000;

    private readonly IDtlsTransportHandler _handler;
    private readonly BcDatagramBridge _bridge;
    private readonly BcSrtpSupport _srtp;
    private readonly BcTlsCrypto _crypto;
    private readonly DtlsHandshakePool _pool;
    private readonly Lock _receiveGate = new();
    private readonly TaskCompletionSource _handshakeEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _handshakeResendMillis;
    private byte[]? _receiveBuffer;
    private bool _started;
    // The connected transport, for sending: set before the session hears it is connected, so the first thing it sends
    // (its SCTP INIT, the moment it starts its data channels) goes out and SendLimit is known.
    private volatile DtlsTransport? _connected;

    // The largest record plaintext of the negotiated cipher, read once as the handshake returns (before _connected
    // publishes the transport, so nothing else touches the record layer yet). BouncyCastle computes its own limit from
    // the epoch it writes in, and while it sends its last flight again (the peer's came again: ours was lost) that is
    // the old epoch, without a cipher: 24 bytes more under AES-GCM. Read then, it would size every later SCTP packet
    // past what the cipher's records carry, and each full packet would be refused for good.
    private int _sendLimit;

    // The same transport once records run on the receiving thread: set after the session heard it is connected, so no
    // application data reaches the session before that.
    private volatile DtlsTransport? _transport;
    private volatile bool _closing;
    private bool _ended;
    private int _disposed;

    // Application data of the connected epoch without BouncyCastle's record layer (AES-GCM suites, under the receive
    // gate): opened here from the start, sealed here once the peer's first record opened. A peer that sends application
    // data has our last flight (RFC 6347 §4.2.4: a full handshake's client sends none before the server's Finished, and
    // the server's Finished follows the client's), so BouncyCastle will not send that flight again in the epoch whose
    // sequence numbers this layer now takes. Before, each record passed BouncyCastle's record layer, its lock and its
    // copies: about 8 % of a data-channel viewer's samples, most of them the SACKs it receives.
    private DtlsAeadRecords? _records;
    private bool _recordsSeal;
    private long _recordsOpened;
    private long _recordsSealed;

    [ThreadStatic]
    private static byte[]? t_plaintext;

    [ThreadStatic]
    private static byte[]? t_record;

    /// <summary>Creates a transport that checks the peer against <paramref name="remoteFingerprint"/> (sha-256).</summary>
    public BcDtlsTransport(DtlsCertificate certificate, string remoteFingerprint, IDtlsTransportHandler handler)
        : this(certificate, remoteFingerprint, handler, DtlsHandshakePool.Shared)
    {
    }

    /// <summary>
    /// A transport whose handshake runs on <paramref name="pool"/> and starts each flight's retransmission timer at
    /// <paramref name="handshakeResendMillis"/>: only tests shorten it, so that a flight lost on purpose is
    /// retransmitted in milliseconds instead of a second. Records are sealed by <paramref name="crypto"/>
    /// (<see cref="OpenSslTlsCrypto"/> by default; tests pass BouncyCastle's own to check the two against each other).
    /// </summary>
    internal BcDtlsTransport(DtlsCertificate certificate, string remoteFingerprint, IDtlsTransportHandler handler,
        DtlsHandshakePool pool, int handshakeResendMillis = DefaultHandshakeResendMillis, BcTlsCrypto? crypto = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(handshakeResendMillis);
        _crypto = crypto ?? new OpenSslTlsCrypto(new SecureRandom());
        _pool = pool;
        _handshakeResendMillis = handshakeResendMillis;
        _handler = handler;
        _bridge = new BcDatagramBridge(handler);
        _srtp = new BcSrtpSupport(_crypto, certificate, remoteFingerprint);
    }

    /// <inheritdoc/>
    public void Start(DtlsRole role)
    {
        if (_started)
        {
            throw new InvalidOperationException("Already started.");
        }

        _started = true;
        _pool.Run(() => Handshake(role));
    }

    /// <summary>Application-data records opened, and sealed, without BouncyCastle's record layer (for tests).</summary>
    internal (long Opened, long Sealed) DirectRecords => (Interlocked.Read(ref _recordsOpened), Interlocked.Read(ref _recordsSealed));

    /// <inheritdoc/>
    public int SendLimit => _connected is null ? 0 : _sendLimit;

    /// <inheritdoc/>
    public bool HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_transport is null)
        {
            // The handshake thread reads it from the queue; if the handshake returned meanwhile, it is read here.
            if (!_bridge.Enqueue(datagram))
            {
                return false;
            }

            if (_transport is not null)
            {
                ProcessReceived();
            }

            return true;
        }

        // Connected: no queue. The record layer reads the datagram held out, on this thread, right now.
        lock (_receiveGate)
        {
            if (_records is { } records && !_ended && records.HoldsOnlyApplicationData(datagram))
            {
                OpenApplicationData(records, datagram);
                return true;
            }

            if (!_bridge.Hold(datagram))
            {
                return false;
            }

            ProcessReceived();
        }

        return true;
    }

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> data)
    {
        var transport = _connected;
        if (transport is null || _closing || data.Length > _sendLimit)
        {
            return false;
        }

        try
        {
            // Under the receive gate: BouncyCastle's record layer writes application data in the epoch its last
            // handshake flight is in, and a flight sent again (by the handshake thread's last receive, while the
            // session already sends) switches to the old epoch until its Finished: a record sent then would go out as
            // plaintext handshake data the peer discards.
            lock (_receiveGate)
            {
                if (_recordsSeal && _records is { } records)
                {
                    return SealAndTransmit(records, data, closeNotify: false);
                }

                transport.Send(data);
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Close()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        try
        {
            lock (_receiveGate)
            {
                if (_recordsSeal && _records is { } records)
                {
                    // BouncyCastle's close_notify below would reuse a sequence number sealed here: the peer drops it.
                    SealAndTransmit(records, default, closeNotify: true);
                }
            }

            // Sends close_notify (RFC 5246 §7.2.1) and closes the bridge, which ends a handshake in progress.
            _connected?.Close();
        }
        catch (IOException)
        {
        }

        _bridge.Close();
        End(null);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Close();
        if (_started)
        {
            _handshakeEnded.Task.Wait(TimeSpan.FromSeconds(5));
        }

        _bridge.Dispose();
    }

    private void Handshake(DtlsRole role)
    {
        try
        {
            DtlsSrtpKeys keys;
            DtlsTransport transport;
            if (role == DtlsRole.Server)
            {
                var server = new BcDtlsServer(_crypto, _srtp, _handshakeResendMillis);
                transport = new DtlsServerProtocol().Accept(server, _bridge);
                keys = server.Keys!;
            }
            else
            {
                var client = new BcDtlsClient(_crypto, _srtp, _handshakeResendMillis);
                transport = new DtlsClientProtocol().Connect(client, _bridge);
                keys = client.Keys!;
            }

            _sendLimit = transport.GetSendLimit();
            _connected = transport;
            _handler.OnDtlsConnected(keys);
            lock (_receiveGate)
            {
                // From here the record layer runs on the receiving thread: a receive never waits for a datagram.
                _bridge.StopWaiting();
                _transport = transport;
                _records = (_crypto as OpenSslTlsCrypto)?.CreateApplicationRecords();
            }

            // Records that came with or right after the last flight.
            ProcessReceived();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            End(Describe(e));
        }
        finally
        {
            _handshakeEnded.TrySetResult();
        }
    }

    /// <summary>
    /// Runs the record layer over every queued datagram (and every further record a datagram held) without waiting,
    /// serialised by the receive gate.
    /// </summary>
    private void ProcessReceived()
    {
        lock (_receiveGate)
        {
            var transport = _transport;
            if (transport is null || _ended)
            {
                return;
            }

            _receiveBuffer ??= new byte[transport.GetReceiveLimit()];
            try
            {
                // A record with no application data (a retransmitted flight, an alert) makes BouncyCastle ask for the
                // next datagram; the bridge answers "none" at once, so the 1 ms wait below is the most a call spins.
                while (_bridge.HasQueued && !_bridge.IsClosed)
                {
                    Deliver(transport.Receive(_receiveBuffer, 0, _receiveBuffer.Length, 1));
                    while (Deliver(transport.ReceivePending(_receiveBuffer, 0, _receiveBuffer.Length)))
                    {
                    }
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                End(Describe(e));
                return;
            }

            if (_bridge.IsClosed)
            {
                End(null); // BouncyCastle closed the bridge: the peer's close_notify (RFC 5246 §7.2.1)
            }
        }
    }

    // Under the receive gate: each record of a datagram of application data only, opened and handed over in order; one
    // that fails (a replay, a wrong tag) is dropped silently (RFC 6347 §4.1.2.7), as BouncyCastle does.
    private void OpenApplicationData(DtlsAeadRecords records, ReadOnlySpan<byte> datagram)
    {
        // The handler may send while it reads the plaintext: the records it seals go to another buffer.
        var plaintext = t_plaintext ??= new byte[_bridge.GetReceiveLimit()];
        while (!datagram.IsEmpty && !_ended)
        {
            datagram = datagram[records.Open(datagram, plaintext, out var written)..];
            if (written < 0)
            {
                continue;
            }

            Interlocked.Increment(ref _recordsOpened);
            if (!_recordsSeal)
            {
                _recordsSeal = true;
                records.SkipWriteSequenceTo(((OpenSslTlsCrypto)_crypto).NextWriteSequence);
            }

            _handler.OnDtlsApplicationData(plaintext.AsSpan(0, written));
        }
    }

    private bool SealAndTransmit(DtlsAeadRecords records, ReadOnlySpan<byte> data, bool closeNotify)
    {
        var record = t_record ??= new byte[Math.Max(_bridge.GetSendLimit(), _bridge.GetReceiveLimit()) + DtlsAeadRecords.Overhead];
        var length = closeNotify ? records.SealCloseNotify(record) : records.Seal(data, record);
        if (length == 0)
        {
            return false;
        }

        _bridge.Send(record.AsSpan(0, length));
        Interlocked.Increment(ref _recordsSealed);
        return true;
    }

    private bool Deliver(int length)
    {
        if (length < 0)
        {
            return false;
        }

        _handler.OnDtlsApplicationData(_receiveBuffer.AsSpan(0, length));
        return true;
    }

    private string? Describe(Exception e) => e switch
    {
        TlsFatalAlertReceived received => _closing ? null : "alert received: " + received.AlertDescription,
        TlsFatalAlert alert => _closing || _bridge.ReceiveEndedByClose
            ? null
            : alert.Message + (alert.InnerException is { } inner ? " (" + inner.Message + ")" : null),
        IOException io => _closing ? null : io.Message,

        // A peer's malformed record must end this session, never the process.
        _ => _closing ? null : "malformed input: " + e.GetType().Name + ": " + e.Message,
    };

    private void End(string? error)
    {
        lock (_receiveGate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
        }

        _handler.OnDtlsClosed(error);
    }
}
