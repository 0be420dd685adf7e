using System.Security.Cryptography;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Dtls.BouncyCastle;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.WebRtc;

/// <summary>Offer/answer (JSEP subset) and the DTLS role that follows from <c>a=setup</c>.</summary>
public sealed partial class PeerSession
{
    private readonly ulong _sdpSessionId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2;
    private bool _offered;
    private bool _described;

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

        _dtls = new BcDtlsTransport(_options.Certificate, remote.Fingerprint, new DtlsHandler(this));
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
        var local = LocalParameters(SdpLocalParameters.SetupFor(_dtlsRole));
        return WebRtcSdpBuilder.CreateAnswer(RemoteDescription, _options.AnswerOptions, local, _sdpSessionId)
            .ToString();
    });

    private SdpLocalParameters LocalParameters(string setup) =>
        new(_ice.LocalUfrag, _ice.LocalPassword, _options.Certificate.Fingerprint, setup, _ice.LocalCandidates);
}
