using System.Buffers.Binary;
using System.Security.Cryptography;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// A DTLS 1.2 endpoint (RFC 6347 over RFC 5246) for WebRTC, sans-IO: datagrams and the time come in through
/// <see cref="HandleInbound"/> and <see cref="HandleTimeout"/>, and the caller polls what goes out
/// (<see cref="TryPollTransmit"/>), what happened (<see cref="TryPollEvent"/>) and when to call again
/// (<see cref="NextTimeout"/>). No sockets, timers, threads or clock reads, so a handshake runs on a fake clock.
/// </summary>
/// <remarks>
/// Exactly what DTLS-SRTP needs (RFC 5763, RFC 5764, RFC 8827): TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 on secp256r1,
/// mutual certificate authentication checked against the SDP fingerprints, use_srtp, extended_master_secret, and the
/// RFC 5705 exporter; no resumption, no renegotiation. Records of epoch 1 go through <see cref="DtlsAeadRecords"/>.
/// Not thread-safe: its owner serialises calls.
/// </remarks>
public sealed partial class DtlsEndpoint : IDisposable
{
    private const byte ChangeCipherSpecType = 20;
    private const byte AlertType = 21;
    private const byte HandshakeType = 22;
    private const byte ApplicationDataType = 23;
    private const ushort Dtls12 = 0xFEFD;
    private const ushort Dtls10 = 0xFEFF;
    private const int HandshakeHeaderLength = 12;

    // RFC 6347 §4.1 (RFC 5246 §6.2.3): a record's fragment is at most 2^14 + 2048 bytes.
    private const int MaxRecordFragment = (1 << 14) + 2048;
    private const long MaxSequence = (1L << 48) - 1;

    private readonly DtlsEndpointOptions _options;
    private readonly Queue<DtlsEvent> _events = new();
    private readonly Queue<(byte[] Buffer, int Length)> _transmit = new();
    private readonly Stack<byte[]> _freeDatagrams = new();
    private readonly Dictionary<int, InboundMessage> _inbound = [];
    private readonly byte[] _scratch = new byte[MaxRecordFragment];

    private DtlsState _state = DtlsState.New;
    private TimeSpan _handshakeDeadline;
    private TimeSpan? _retransmitAt;
    private TimeSpan _rto;
    private List<FlightEntry> _flight = [];
    private long _epoch0WriteSequence;
    private bool _writeEpoch1;
    private bool _readEpoch1;
    private DtlsAeadRecords? _records;
    private IAesGcmCipher? _writeCipher;
    private IAesGcmCipher? _readCipher;
    private int _nextReceiveSeq;
    private int _nextSendSeq;
    private int _peerPreviousFlightLastSeq = -1;
    private bool _retransmittedThisCall;
    private byte[] _plaintext = new byte[2048];
    private int _plaintextUsed;

    /// <summary>
    /// An endpoint in <paramref name="role"/> that authenticates with <paramref name="certificate"/> and accepts only a
    /// peer certificate whose SHA-256 fingerprint is <paramref name="remoteFingerprint"/> (SDP form, RFC 8122 §5).
    /// </summary>
    public DtlsEndpoint(DtlsRole role, DtlsCertificate certificate, string remoteFingerprint,
        DtlsEndpointOptions? options = null)
        : this(role, (certificate ?? throw new ArgumentNullException(nameof(certificate))).CertificateDer,
            ImportEcdsa(certificate.PrivateKeyPkcs8), remoteFingerprint, options)
    {
    }

    /// <summary>
    /// An endpoint whose identity is <paramref name="certificateDer"/> with <paramref name="privateKey"/>, ECDSA P-256 or
    /// (tests only: a peer with an RSA certificate) RSA; the endpoint owns the key.
    /// </summary>
    internal DtlsEndpoint(DtlsRole role, byte[] certificateDer, AsymmetricAlgorithm privateKey, string remoteFingerprint,
        DtlsEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(remoteFingerprint);
        if (privateKey is not (ECDsa or RSA))
        {
            throw new ArgumentException("An ECDSA or RSA key.", nameof(privateKey));
        }

        _options = options ?? new DtlsEndpointOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Mtu, 256, "options.Mtu");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Mtu, ushort.MaxValue, "options.Mtu");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.InitialRetransmission, TimeSpan.Zero, "options.InitialRetransmission");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxHandshakeMessage, 1024, "options.MaxHandshakeMessage");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBufferedMessages, 1, "options.MaxBufferedMessages");
        Role = role;
        _certificateDer = certificateDer;
        _signingKey = privateKey;
        _remoteFingerprint = remoteFingerprint;
        _rto = _options.InitialRetransmission;
    }

    /// <summary>The handshake role.</summary>
    public DtlsRole Role { get; }

    /// <summary>True once the handshake completed, until the endpoint closes.</summary>
    public bool IsConnected => _state == DtlsState.Connected;

    /// <summary>True once the endpoint closed (cleanly or not); it then ignores every input.</summary>
    public bool IsClosed => _state == DtlsState.Closed;

    /// <summary>Flights sent again so far, on a timer or because the peer's previous flight came again.</summary>
    public int Retransmissions { get; private set; }

    /// <summary>Largest application-data plaintext <see cref="Send"/> takes: 0 until connected.</summary>
    public int SendLimit => IsConnected ? _options.Mtu - DtlsAeadRecords.Overhead : 0;

    /// <summary>Earliest time at which <see cref="HandleTimeout"/> has work, or null.</summary>
    public TimeSpan? NextTimeout
    {
        get
        {
            if (_state is DtlsState.New or DtlsState.Closed)
            {
                return null;
            }

            if (_state == DtlsState.Connected)
            {
                return _retransmitAt;
            }

            return _retransmitAt is { } at && at < _handshakeDeadline ? at : _handshakeDeadline;
        }
    }

    /// <summary>
    /// Starts the handshake at <paramref name="now"/>: a client sends its ClientHello, a server waits for one. The
    /// handshake must complete within <see cref="DtlsEndpointOptions.HandshakeTimeout"/>.
    /// </summary>
    public void Start(TimeSpan now)
    {
        if (_state != DtlsState.New)
        {
            throw new InvalidOperationException("Already started.");
        }

        _handshakeDeadline = now + _options.HandshakeTimeout;
        if (Role == DtlsRole.Server)
        {
            _state = DtlsState.ServerWaitClientHello;
            return;
        }

        StartClient(now);
    }

    /// <summary>Takes the next event, if any.</summary>
    public bool TryPollEvent(out DtlsEvent ev) => _events.TryDequeue(out ev);

    /// <summary>
    /// Copies the next datagram to send into <paramref name="buffer"/> (at least <see cref="DtlsEndpointOptions.Mtu"/>
    /// bytes); false when there is none.
    /// </summary>
    public bool TryPollTransmit(Span<byte> buffer, out int length)
    {
        if (!_transmit.TryDequeue(out var datagram))
        {
            length = 0;
            return false;
        }

        datagram.Buffer.AsSpan(0, datagram.Length).CopyTo(buffer);
        length = datagram.Length;
        _freeDatagrams.Push(datagram.Buffer);
        return true;
    }

    /// <summary>Sends <paramref name="data"/> as one application-data record; false before connected, after close or when too large.</summary>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (_state != DtlsState.Connected || data.Length > SendLimit)
        {
            return false;
        }

        var buffer = RentDatagram();
        var length = _records!.Seal(data, buffer);
        if (length == 0)
        {
            _freeDatagrams.Push(buffer);
            End("the epoch's sequence numbers are spent");
            return false;
        }

        _transmit.Enqueue((buffer, length));
        return true;
    }

    /// <summary>Sends close_notify (RFC 5246 §7.2.1) and closes; the event reports a clean close.</summary>
    public void Close()
    {
        if (_state is DtlsState.Closed)
        {
            return;
        }

        if (_state != DtlsState.New)
        {
            SendAlert(1, DtlsAlert.CloseNotify);
        }

        End(null);
    }

    /// <summary>Handles one received datagram (one or more records) at <paramref name="now"/>.</summary>
    public void HandleInbound(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        if (_state is DtlsState.New or DtlsState.Closed)
        {
            return;
        }

        PrepareApplicationBuffer();
        _retransmittedThisCall = false;
        try
        {
            // RFC 6347 §4.1: a datagram may hold several records; one that is malformed or does not authenticate is
            // dropped silently (§4.1.2.7), and with it the rest of the datagram when its framing can no longer be trusted.
            while (datagram.Length >= DtlsRecordPeek.HeaderLength && _state != DtlsState.Closed)
            {
                var fragmentLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
                var recordLength = DtlsRecordPeek.HeaderLength + fragmentLength;
                if (recordLength > datagram.Length)
                {
                    return; // truncated
                }

                var record = datagram[..recordLength];
                datagram = datagram[recordLength..];
                if (fragmentLength <= MaxRecordFragment)
                {
                    HandleRecord(record, now);
                }
            }
        }
        catch (DtlsAlertException e)
        {
            Fail(e.Alert, e.Message);
        }
        catch (CryptographicException e)
        {
            Fail(DtlsAlert.HandshakeFailure, "cryptographic failure: " + e.Message);
        }
    }

    /// <summary>Runs the timers at <paramref name="now"/>: retransmits the flight (RFC 6347 §4.2.4.1), ends a late handshake.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_state is DtlsState.New or DtlsState.Closed)
        {
            return;
        }

        if (_state != DtlsState.Connected && now >= _handshakeDeadline)
        {
            // No alert: a peer that answered nothing for this long is not listening.
            End($"handshake timed out after {_options.HandshakeTimeout.TotalSeconds:0.###} s ({Retransmissions} retransmissions)");
            return;
        }

        if (_retransmitAt is { } at && now >= at)
        {
            // RFC 6347 §4.2.4.1: double the timer on each retransmission, up to the maximum.
            _rto = _rto * 2 > _options.MaxRetransmission ? _options.MaxRetransmission : _rto * 2;
            Retransmissions++;
            TransmitFlight();
            _retransmitAt = now + _rto;
        }
    }

    /// <summary>Releases the ciphers and keys.</summary>
    public void Dispose()
    {
        _writeCipher?.Dispose();
        _readCipher?.Dispose();
        _signingKey.Dispose();
        _ecdh?.Dispose();
        _peerEcdsa?.Dispose();
        _peerRsa?.Dispose();
    }

    private void HandleRecord(ReadOnlySpan<byte> record, TimeSpan now)
    {
        var type = record[0];
        var version = BinaryPrimitives.ReadUInt16BigEndian(record[1..]);
        var epoch = BinaryPrimitives.ReadUInt16BigEndian(record[3..]);
        var body = record[DtlsRecordPeek.HeaderLength..];
        if (epoch == 0)
        {
            // A first ClientHello's record may carry DTLS 1.0 (RFC 6347 §4.1: "for compatibility"); nothing else.
            if (version is not (Dtls12 or Dtls10))
            {
                return;
            }

            switch (type)
            {
                case HandshakeType:
                    HandleHandshakeRecord(body, 0, now);
                    break;
                case ChangeCipherSpecType:
                    HandleChangeCipherSpec(body);
                    break;
                case AlertType when !_readEpoch1:
                    // Once the peer's records are authenticated, an unauthenticated alert could end us: dropped.
                    HandleAlert(body);
                    break;
            }

            return;
        }

        if (epoch != 1 || version != Dtls12 || !_readEpoch1 || _records is not { } records)
        {
            return; // an epoch we cannot read (yet): RFC 6347 §4.1 lets us drop it, the flight is sent again
        }

        var plaintext = type == ApplicationDataType ? ApplicationBuffer(body.Length) : _scratch;
        records.Open(record, plaintext, out var written);
        if (written < 0)
        {
            return; // RFC 6347 §4.1.2.7: a record that does not authenticate, or a replay, is dropped silently
        }

        switch (type)
        {
            case ApplicationDataType when _state == DtlsState.Connected:
                _events.Enqueue(DtlsEvent.Application(new ReadOnlyMemory<byte>(_plaintext, _plaintextUsed, written)));
                _plaintextUsed += written;
                break;
            case HandshakeType:
                HandleHandshakeRecord(_scratch.AsSpan(0, written), 1, now);
                break;
            case AlertType:
                HandleAlert(_scratch.AsSpan(0, written));
                break;
        }
    }

    private void HandleChangeCipherSpec(ReadOnlySpan<byte> body)
    {
        // RFC 5246 §7.1: one byte, 1. Only once our keys exist (after the key exchange); before, it is dropped and
        // comes again with its flight.
        if (body.Length == 1 && body[0] == 1 && _records is not null && !_readEpoch1)
        {
            _readEpoch1 = true;
        }
    }

    private void HandleAlert(ReadOnlySpan<byte> body)
    {
        if (body.Length != 2)
        {
            return;
        }

        if (body[1] == DtlsAlert.CloseNotify)
        {
            // RFC 5246 §7.2.1: answer close_notify with ours.
            SendAlert(1, DtlsAlert.CloseNotify);
            End(null);
        }
        else if (body[0] == 2)
        {
            End("alert received: " + DtlsAlert.Name(body[1]));
        }

        // Other warnings (e.g. no_renegotiation) change nothing.
    }

    private void SendAlert(byte level, byte description)
    {
        var buffer = RentDatagram();
        ReadOnlySpan<byte> alert = [level, description];
        var length = _writeEpoch1 && _records is { } records
            ? records.Seal(AlertType, alert, buffer)
            : WritePlainRecord(buffer, AlertType, alert);
        if (length > 0)
        {
            _transmit.Enqueue((buffer, length));
        }
    }

    private void Fail(byte alert, string reason)
    {
        if (_state == DtlsState.Closed)
        {
            return;
        }

        SendAlert(2, alert);
        End(DtlsAlert.Name(alert) + ": " + reason);
    }

    private void End(string? reason)
    {
        if (_state == DtlsState.Closed)
        {
            return;
        }

        _state = DtlsState.Closed;
        _retransmitAt = null;
        _inbound.Clear();
        _events.Enqueue(DtlsEvent.ClosedWith(reason));
    }

    private byte[] RentDatagram() => _freeDatagrams.TryPop(out var buffer) ? buffer : new byte[_options.Mtu];

    // The application data of one HandleInbound call is opened into one buffer, reused on the next call when the caller
    // took every event (it must, before the next call); a buffer still referenced by an event is left to it.
    private void PrepareApplicationBuffer()
    {
        if (_events.Count == 0)
        {
            _plaintextUsed = 0;
        }
        else
        {
            _plaintext = new byte[_plaintext.Length];
            _plaintextUsed = 0;
        }
    }

    private Span<byte> ApplicationBuffer(int needed)
    {
        if (_plaintext.Length - _plaintextUsed < needed)
        {
            var grown = new byte[Math.Max(_plaintext.Length * 2, _plaintextUsed + needed)];
            _plaintext.AsSpan(0, _plaintextUsed).CopyTo(grown);

            // Events already queued keep the old array: only new data goes to the new one.
            _plaintext = grown;
        }

        return _plaintext.AsSpan(_plaintextUsed);
    }

    private static ECDsa ImportEcdsa(byte[] pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return key;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> span) => (span[0] << 16) | (span[1] << 8) | span[2];

    private static void WriteUInt24(Span<byte> span, int value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }

    private enum DtlsState
    {
        New,
        ClientWaitServerHello,
        ClientWaitCertificate,
        ClientWaitServerKeyExchange,
        ClientWaitCertificateRequest,
        ClientWaitServerHelloDone,
        ClientWaitFinished,
        ServerWaitClientHello,
        ServerWaitCertificate,
        ServerWaitKeyExchange,
        ServerWaitCertificateVerify,
        ServerWaitFinished,
        Connected,
        Closed,
    }
}
