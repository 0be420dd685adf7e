namespace EmsSharp.Protocols.Rtsp;

/// <summary>Outcome of <see cref="RtspStreamParser.Read"/>.</summary>
public enum RtspReadStatus
{
    /// <summary>The input holds no complete unit yet; read more and call again with all of it.</summary>
    NeedMore,

    /// <summary>A request or response was read.</summary>
    Message,

    /// <summary>An interleaved binary frame (RFC 2326 §10.12) was read.</summary>
    InterleavedFrame,

    /// <summary>The input is malformed or over a limit; close the connection.</summary>
    Invalid,
}
