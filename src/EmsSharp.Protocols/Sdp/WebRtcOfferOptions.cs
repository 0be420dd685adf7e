namespace EmsSharp.Protocols.Sdp;

/// <summary>What the server offers a browser (JSEP subset, RFC 8829).</summary>
public sealed record WebRtcOfferOptions
{
    /// <summary>A send-only H.264 <c>m=video</c>.</summary>
    public bool Video { get; init; }

    /// <summary>A send-only <c>m=audio</c> with Opus 48000/2, PCMU and PCMA.</summary>
    public bool Audio { get; init; }

    /// <summary>
    /// The audio encoding an answer accepts (<c>opus/48000</c>, <c>PCMU/8000</c> or <c>PCMA/8000</c>, the one the stream's
    /// audio is sent in); null: the first of those the offer has, in that order.
    /// </summary>
    public string? AudioEncoding { get; init; }

    /// <summary>
    /// The answer receives media instead of sending it (a WHIP publisher's offer, RFC 9725 §4.2): its sending sections
    /// (<c>sendonly</c>, <c>sendrecv</c>) are answered <c>recvonly</c> (RFC 3264 §6.1), sections that would not send
    /// are rejected.
    /// </summary>
    public bool Receives { get; init; }

    /// <summary>An <c>m=application</c> for data channels (SCTP over DTLS, RFC 8841).</summary>
    public bool DataChannel { get; init; }

    /// <summary>SSRC of the video stream (announced with <c>a=ssrc</c>).</summary>
    public uint VideoSsrc { get; init; } = 0x10000001;

    /// <summary>SSRC of the audio stream.</summary>
    public uint AudioSsrc { get; init; } = 0x20000001;

    /// <summary>CNAME for <c>a=ssrc:... cname:</c>.</summary>
    public string Cname { get; init; } = "emssharp";

    /// <summary>MediaStream id for <c>a=msid</c>.</summary>
    public string StreamId { get; init; } = "ems";

    /// <summary>Local SCTP port (<c>a=sctp-port</c>, RFC 8841 §5).</summary>
    public int SctpPort { get; init; } = 5000;

    /// <summary>Largest data-channel message accepted (<c>a=max-message-size</c>, RFC 8841 §6).</summary>
    public int MaxMessageSize { get; init; } = 262144;
}
