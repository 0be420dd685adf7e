using System.Security.Cryptography;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.WebRtc;

/// <summary>Offer/answer (JSEP subset) and the DTLS role that follows from <c>a=setup</c>.</summary>
public sealed partial class PeerSession
{
    private readonly ulong _sdpSessionId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2;
    private bool _offered;
    private bool _described;
    private int _iceRestarts;

    /// <summary>
    /// Creates the server's offer (we are ICE-controlling, <c>a=setup:actpass</c>). The candidates known so far are inline;
    /// later ones trickle through <see cref="LocalCandidate"/>.
    /// </summary>
    public Task<string> CreateOfferAsync(WebRtcOfferOptions options) => InvokeAsync(() =>
    {
        if (RemoteDescription is not null)
        {
            throw new InvalidOperationException("A remote offer was already set; create an answer instead.");
        }

        _offered = true;
        _described = true;
        _answerDeadline = Now + _options.AnswerTimeout;
        _localOffer = options;
        return WebRtcSdpBuilder.CreateOffer(options, LocalParameters("actpass"), _sdpSessionId).ToString();
    });

    /// <summary>
    /// Sets the browser's answer (after <see cref="CreateOfferAsync"/>) or its offer (then call
    /// <see cref="CreateAnswerAsync"/>). Starts ICE checks with the candidates it holds.
    /// </summary>
    /// <exception cref="ArgumentException">The SDP is malformed or lacks ICE credentials or a sha-256 fingerprint.</exception>
    public Task SetRemoteDescriptionAsync(string sdp) => InvokeAsync(() =>
    {
        if (!WebRtcRemoteDescription.TryParse(sdp, out var remote))
        {
            throw new ArgumentException("Malformed or incomplete remote description.", nameof(sdp));
        }

        if (RemoteDescription is not null)
        {
            throw new InvalidOperationException("Renegotiation is not supported.");
        }

        RemoteDescription = remote;
        _answerDeadline = null;
        if (_offered)
        {
            // RFC 5763 §5: the answerer's active means it is the DTLS client, so we are the server.
            _dtlsRole = remote!.Setup == "passive" ? DtlsRole.Client : DtlsRole.Server;
        }
        else
        {
            _ice.SetRole(IceRole.Controlled);
            _dtlsRole = remote!.Setup switch
            {
                "active" => DtlsRole.Server,
                "passive" => DtlsRole.Client,
                _ => _options.AnswerDtlsRole,
            };
        }

        _dtls = new DtlsEndpointTransport(_options.Certificate, remote.Fingerprint, new DtlsHandler(this), () => Now);
        var now = Now;
        _ice.SetRemoteCredentials(remote.IceUfrag, remote.IcePassword, now);
        foreach (var c in remote.Candidates)
        {
            _ice.AddRemoteCandidate(c, now);
        }

        SetState(PeerSessionState.Checking);
        StartDtls();
        return true;
    });

    /// <summary>Answers the browser offer set by <see cref="SetRemoteDescriptionAsync"/>.</summary>
    public Task<string> CreateAnswerAsync() => InvokeAsync(() =>
    {
        if (_offered || RemoteDescription is null)
        {
            throw new InvalidOperationException("No remote offer to answer.");
        }

        _described = true;
        return Answer().ToString();
    });

    /// <summary>
    /// ICE restart of a session that answered (RFC 8445 §9, RFC 8839 §4.4.1.1.1), with the peer's new credentials and
    /// candidates as a WHIP or WHEP PATCH carries them (RFC 9725 §4.3.3): new local credentials, under which the port now
    /// routes the peer's checks, and new checks, while the pair selected so far carries media until the restart selects
    /// one. DTLS, SRTP and SCTP go on as they are: no new handshake.
    /// </summary>
    /// <returns>The answer as a trickle-ice-sdpfrag: the new ice-ufrag, ice-pwd and local candidates (RFC 8840 §9).</returns>
    /// <exception cref="InvalidOperationException">The session has not answered an offer, or it failed.</exception>
    public Task<string> RestartIceAsync(string remoteUfrag, string remotePassword, IEnumerable<IceCandidate> remoteCandidates) =>
        InvokeAsync(() =>
        {
            if (_offered || !_described || _state == PeerSessionState.Failed)
            {
                throw new InvalidOperationException(_state == PeerSessionState.Failed
                    ? "The session failed; start a new one."
                    : "Only a session that answered an offer restarts ICE with the peer's new credentials.");
            }

            var previous = _ice.LocalUfrag;
            _ice.Restart();
            _host.ChangeUfrag(this, previous);
            var now = Now;
            _ice.SetRemoteCredentials(remoteUfrag, remotePassword, now);
            foreach (var c in remoteCandidates)
            {
                _ice.AddRemoteCandidate(c, now);
            }

            Interlocked.Increment(ref _iceRestarts);
            LogIceRestarted(_logger, previous, LocalUfrag);
            return WebRtcSdpBuilder.CreateIceFragment(Answer());
        });

    /// <summary>
    /// ICE restarts so far (<see cref="RestartIceAsync"/>): 0 for the first ICE session. Read from any thread.
    /// </summary>
    public int IceRestarts => Volatile.Read(ref _iceRestarts);

    /// <summary>The peer's current ICE username fragment (from its offer, or its latest restart). Read from any thread.</summary>
    public string? RemoteIceUfrag => _ice.RemoteUfrag;

    // The answer to RemoteDescription with the current local credentials and candidates.
    private SdpSessionDescription Answer() => WebRtcSdpBuilder.CreateAnswer(RemoteDescription!, _options.AnswerOptions,
        LocalParameters(SdpLocalParameters.SetupFor(_dtlsRole)), _sdpSessionId);

    private SdpLocalParameters LocalParameters(string setup) =>
        new(_ice.LocalUfrag, _ice.LocalPassword, _options.Certificate.Fingerprint, setup, _ice.LocalCandidates);
}
