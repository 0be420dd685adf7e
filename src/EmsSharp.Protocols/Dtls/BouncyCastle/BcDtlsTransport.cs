using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// <see cref="IDtlsTransport"/> on BouncyCastle: one dedicated worker thread runs the blocking handshake and
/// then reads application data; it reports everything to the handler.
/// </summary>
public sealed class BcDtlsTransport : IDtlsTransport
{
    private const int ReceiveWaitMillis = 1000;

    private readonly IDtlsTransportHandler _handler;
    private readonly BcDatagramBridge _bridge;
    private readonly BcSrtpSupport _srtp;
    private readonly BcTlsCrypto _crypto = new(new SecureRandom());
    private Thread? _worker;
    private volatile DtlsTransport? _transport;
    private volatile bool _closing;
    private int _disposed;

    /// <summary>Creates a transport that checks the peer against <paramref name="remoteFingerprint"/> (sha-256).</summary>
    public BcDtlsTransport(DtlsCertificate certificate, string remoteFingerprint, IDtlsTransportHandler handler)
    {
        _handler = handler;
        _bridge = new BcDatagramBridge(handler);
        _srtp = new BcSrtpSupport(_crypto, certificate, remoteFingerprint);
    }

    /// <inheritdoc/>
    public void Start(DtlsRole role)
    {
        if (_worker is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        _worker = new Thread(() => Run(role)) { IsBackground = true, Name = "dtls-" + role };
        _worker.Start();
    }

    /// <inheritdoc/>
    public int SendLimit => _transport?.GetSendLimit() ?? 0;

    /// <inheritdoc/>
    public bool HandleDatagram(ReadOnlySpan<byte> datagram) => _bridge.Enqueue(datagram);

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> data)
    {
        var transport = _transport;
        if (transport is null || _closing || data.Length > transport.GetSendLimit())
        {
            return false;
        }

        try
        {
            transport.Send(data);
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
            // Sends close_notify (RFC 5246 §7.2.1) and closes the bridge, which ends the worker.
            _transport?.Close();
        }
        catch (IOException)
        {
        }

        _bridge.Close();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Close();
        _worker?.Join(TimeSpan.FromSeconds(5));
        _bridge.Dispose();
    }

    private void Run(DtlsRole role)
    {
        string? error = null;
        try
        {
            DtlsSrtpKeys keys;
            if (role == DtlsRole.Server)
            {
                var server = new BcDtlsServer(_crypto, _srtp);
                _transport = new DtlsServerProtocol().Accept(server, _bridge);
                keys = server.Keys!;
            }
            else
            {
                var client = new BcDtlsClient(_crypto, _srtp);
                _transport = new DtlsClientProtocol().Connect(client, _bridge);
                keys = client.Keys!;
            }

            _handler.OnDtlsConnected(keys);
            ReceiveLoop(_transport);
        }
        catch (TlsFatalAlertReceived e)
        {
            error = _closing ? null : "alert received: " + e.AlertDescription;
        }
        catch (TlsFatalAlert e)
        {
            error = _closing || _bridge.ReceiveEndedByClose ? null : e.Message + (e.InnerException is { } inner ? " (" + inner.Message + ")" : null);
        }
        catch (IOException e)
        {
            error = _closing ? null : e.Message;
        }
#pragma warning disable CA1031 // A peer's malformed record must end this session's handshake, never the process.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            error = _closing ? null : "malformed input: " + e.GetType().Name + ": " + e.Message;
        }

        _handler.OnDtlsClosed(error);
    }

    private void ReceiveLoop(DtlsTransport transport)
    {
        var buffer = new byte[transport.GetReceiveLimit()];
        while (!_bridge.IsClosed)
        {
            var n = transport.Receive(buffer, 0, buffer.Length, ReceiveWaitMillis);
            if (n > 0)
            {
                _handler.OnDtlsApplicationData(buffer.AsSpan(0, n).ToArray());
            }
        }
    }
}
