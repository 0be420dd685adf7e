namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// <see cref="IDtlsTransport"/> on our sans-IO <see cref="DtlsEndpoint"/>, run entirely on the owner's thread (the
/// session loop): every call hands the endpoint its input with the time from <c>clock</c> and reports what it produced
/// to the handler before it returns. The owner runs <see cref="HandleTimeout"/> at <see cref="NextTimeout"/> (both on
/// its own clock, e.g. the session's <see cref="TimeProvider"/>). No thread, no lock: the owner serialises calls.
/// </summary>
public sealed class DtlsEndpointTransport : IDtlsTransport
{
    // A peer that finished ICE first sends its ClientHello before ours connects (the handshake starts only then): kept
    // until Start, a few at most, instead of lost and sent again a second later.
    private const int MaxEarlyDatagrams = 8;
    private const int MaxEarlyDatagramLength = 2048;

    private readonly DtlsCertificate _certificate;
    private readonly string _remoteFingerprint;
    private readonly IDtlsTransportHandler _handler;
    private readonly Func<TimeSpan> _clock;
    private readonly DtlsEndpointOptions _options;
    private readonly byte[] _buffer;
    private List<byte[]>? _early = [];
    private DtlsEndpoint? _endpoint;
    private bool _closed;

    /// <summary>
    /// A transport that checks the peer against <paramref name="remoteFingerprint"/> (sha-256) and reads the time from
    /// <paramref name="clock"/>.
    /// </summary>
    public DtlsEndpointTransport(DtlsCertificate certificate, string remoteFingerprint, IDtlsTransportHandler handler,
        Func<TimeSpan> clock, DtlsEndpointOptions? options = null)
    {
        _certificate = certificate;
        _remoteFingerprint = remoteFingerprint;
        _handler = handler;
        _clock = clock;
        _options = options ?? new DtlsEndpointOptions();
        _buffer = new byte[_options.Mtu];
    }

    /// <inheritdoc/>
    public int SendLimit => _endpoint?.SendLimit ?? 0;

    /// <inheritdoc/>
    public TimeSpan? NextTimeout => _endpoint?.NextTimeout;

    /// <inheritdoc/>
    public void Start(DtlsRole role)
    {
        if (_endpoint is not null || _closed)
        {
            throw new InvalidOperationException("Already started.");
        }

        _endpoint = new DtlsEndpoint(role, _certificate, _remoteFingerprint, _options);
        _endpoint.Start(_clock());
        Flush();
        var early = _early!;
        _early = null;
        foreach (var datagram in early)
        {
            _endpoint.HandleInbound(datagram, _clock());
            Flush();
        }
    }

    /// <inheritdoc/>
    public bool HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_closed)
        {
            return false;
        }

        if (_endpoint is null)
        {
            if (_early!.Count >= MaxEarlyDatagrams || datagram.Length > MaxEarlyDatagramLength)
            {
                return false;
            }

            _early.Add(datagram.ToArray());
            return true;
        }

        _endpoint.HandleInbound(datagram, _clock());
        Flush();
        return true;
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now)
    {
        if (_endpoint is { NextTimeout: { } due } endpoint && due <= now)
        {
            endpoint.HandleTimeout(now);
            Flush();
        }
    }

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (_endpoint is not { } endpoint || !endpoint.Send(data))
        {
            return false;
        }

        Flush();
        return true;
    }

    /// <inheritdoc/>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _early = null;
        if (_endpoint is { } endpoint)
        {
            endpoint.Close(); // close_notify (RFC 5246 §7.2.1), and the Closed event below
            Flush();
        }
        else
        {
            _closed = true;
            _handler.OnDtlsClosed(null);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Close();
        _endpoint?.Dispose();
    }

    private void Flush()
    {
        var endpoint = _endpoint!;
        while (true)
        {
            while (endpoint.TryPollTransmit(_buffer, out var length))
            {
                _handler.OnDtlsTransmit(_buffer.AsSpan(0, length));
            }

            if (!endpoint.TryPollEvent(out var ev))
            {
                return;
            }

            switch (ev.Kind)
            {
                case DtlsEventKind.Connected:
                    _handler.OnDtlsConnected(ev.Keys!);
                    break;
                case DtlsEventKind.ApplicationData:
                    _handler.OnDtlsApplicationData(ev.Data.Span);
                    break;
                case DtlsEventKind.Closed:
                    _closed = true;
                    _handler.OnDtlsClosed(ev.Reason);
                    break;
            }
        }
    }
}
