namespace EmsSharp.Load.Viewers;

/// <summary>How a simulated viewer receives the stream (PROTOCOL.md §3.2 <c>transport</c>).</summary>
internal enum ViewerTransport
{
    /// <summary>Native media: H.264 and Opus over SRTP (PROTOCOL.md §4.3).</summary>
    Srtp,

    /// <summary>Fragmented MP4 over data channels (PROTOCOL.md §4.1-4.2).</summary>
    Fmp4,
}
