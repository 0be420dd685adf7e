namespace EmsSharp.Protocols.Sdp;

/// <summary>What one remote m-section says (per m-line payload types, extensions, SCTP parameters).</summary>
public sealed class WebRtcRemoteMedia
{
    /// <summary><c>audio</c>, <c>video</c> or <c>application</c>.</summary>
    public required string Kind { get; init; }

    /// <summary><c>a=mid</c>.</summary>
    public string? Mid { get; init; }

    /// <summary>False when the port is 0 (rejected or disabled).</summary>
    public bool Accepted { get; init; }

    /// <summary>sendrecv, sendonly, recvonly or inactive, from the remote side's point of view.</summary>
    public required string Direction { get; init; }

    /// <summary>Payload types in m-line order.</summary>
    public List<int> PayloadTypes { get; } = [];

    /// <summary>Payload type → <c>a=rtpmap</c> encoding (e.g. <c>H264/90000</c>).</summary>
    public Dictionary<int, string> RtpMaps { get; } = [];

    /// <summary>Payload type → <c>a=fmtp</c> parameters.</summary>
    public Dictionary<int, string> Fmtps { get; } = [];

    /// <summary>Header-extension URI → id (<c>a=extmap</c>).</summary>
    public Dictionary<string, int> Extensions { get; } = [];

    /// <summary>Remote SSRCs from <c>a=ssrc</c>.</summary>
    public List<uint> Ssrcs { get; } = [];

    /// <summary><c>a=sctp-port</c>, 0 when absent.</summary>
    public int SctpPort { get; init; }

    /// <summary><c>a=max-message-size</c>; 65536 when absent (RFC 8841 §6.1).</summary>
    public int MaxMessageSize { get; init; }
}
