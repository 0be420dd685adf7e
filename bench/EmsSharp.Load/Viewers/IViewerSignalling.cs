using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// How one simulated viewer gets a server's offer and returns its answer: through <c>ers</c> for an <c>ems</c>
/// (PROTOCOL.md §3.3) or through Janus's API for the comparison runs. In both the server is the offerer and the
/// viewer answers, as a browser does.
/// </summary>
internal interface IViewerSignalling : IAsyncDisposable
{
    /// <summary>
    /// Raised for each ICE candidate the server trickles, as the attribute value (<c>candidate:...</c>, no
    /// <c>a=</c>). Only after <see cref="JoinAsync"/> has returned: earlier ones are held until then.
    /// </summary>
    event Action<string>? RemoteCandidate;

    /// <summary>Joins (a room, a mountpoint) and returns the server's SDP offer.</summary>
    Task<string> JoinAsync(CancellationToken cancellationToken);

    /// <summary>Sends the viewer's SDP answer (and whatever starts the media, for servers that need it).</summary>
    Task AnswerAsync(string sdp, CancellationToken cancellationToken);

    /// <summary>Sends one of the viewer's ICE candidates (<c>candidate:...</c>, no <c>a=</c>).</summary>
    Task SendCandidateAsync(string candidate, CancellationToken cancellationToken);

    /// <summary>
    /// The TURN server over TCP this viewer was handed (a <c>turn:…?transport=tcp</c> entry with its credentials), for
    /// a relay-only viewer; after <see cref="JoinAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server hands out none.</exception>
    Task<TurnRelayOptions> GetTcpTurnServerAsync(CancellationToken cancellationToken);
}
