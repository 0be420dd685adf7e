using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.WebRtc;

/// <summary>DTLS start and the bridge from the DTLS transport (our sans-IO endpoint, run on the session loop) into the session.</summary>
public sealed partial class PeerSession
{
    /// <summary>Whether the DTLS handshake has started (read on the session loop, or after a round trip through it).</summary>
    internal bool DtlsStarted => _dtlsStarted;

    private void StartDtls()
    {
        if (_dtls is null)
        {
            return;
        }

        // The handshake starts once ICE connected: a peer that never gets that far gets no answer. A ClientHello that
        // arrives earlier waits in the transport (a few datagrams at most). Its timers fold into the session's deadline.
        if (!_dtlsStarted && _ice.State == IceAgentState.Connected)
        {
            _dtlsStarted = true;
            _dtlsDeadline = Now + _options.DtlsTimeout;
            _dtls.Start(_dtlsRole);
        }

        if (_ice.State == IceAgentState.Connected && _state == PeerSessionState.Checking)
        {
            SetState(PeerSessionState.DtlsHandshaking);
        }
    }

    private void OnDtlsConnected(DtlsSrtpKeys keys)
    {
        if (_state is PeerSessionState.Closed or PeerSessionState.Failed)
        {
            return;
        }

        _dtlsDeadline = null;
        SrtpKeys = keys;
        LogDtlsConnected(_logger, LocalUfrag, keys.ProfileId);
        SetState(PeerSessionState.Connected);
        DtlsConnected?.Invoke(this, keys);
        StartDataChannels(keys);
    }

    // A DTLS record's application data (an SCTP packet), on the loop.
    private void HandleDtlsData(ReadOnlySpan<byte> data)
    {
        _dtlsRecordsDelivered++;
        if (_state == PeerSessionState.Connected)
        {
            _dataChannels?.HandleInbound(data, Now);
            DtlsApplicationDataReceived?.Invoke(this, data);
        }
    }

    private void OnDtlsClosed(string? error)
    {
        LogDtlsClosed(_logger, LocalUfrag, error);
        if (error is null)
        {
            // close_notify from the peer (RFC 5246 §7.2.1): the session ends.
            Shutdown();
        }
        else
        {
            Fail("DTLS: " + error);
        }
    }

    /// <summary>Receives DTLS output (on the session loop; a BouncyCastle transport also calls from its handshake thread) and posts what must wait to the session loop.</summary>
    private sealed class DtlsHandler(PeerSession session) : IDtlsTransportHandler
    {
        public void OnDtlsTransmit(ReadOnlySpan<byte> datagram) => session.TransmitDtls(datagram);

        public void OnDtlsConnected(DtlsSrtpKeys keys) =>
            session.Post(new PeerSessionInput(PeerSessionInputKind.DtlsConnected, Keys: keys));

        // On the loop once connected (records run on the thread that hands datagrams in), each record goes straight to
        // the session: no copy, no post. Off the loop, or before the session heard it is connected, it
        // is copied and queued behind DtlsConnected.
        public void OnDtlsApplicationData(ReadOnlySpan<byte> data)
        {
            if (session.IsOnLoop && session._state == PeerSessionState.Connected)
            {
                session.HandleDtlsData(data);
                return;
            }

            var copy = data.ToArray();
            session.Post(new PeerSessionInput(PeerSessionInputKind.DtlsData, copy, copy.Length));
        }

        public void OnDtlsClosed(string? error) =>
            session.Post(new PeerSessionInput(PeerSessionInputKind.DtlsClosed, Error: error));
    }
}
