namespace EmsSharp.Server.Ingest;

/// <summary>EvoStream's status codes of a pulled stream's configuration (RMS <c>streaming/streamstatus.cpp</c>; shared/EVOSTREAM-API.md §3).</summary>
internal enum PullStatusCode
{
    /// <summary>The stream is live.</summary>
    Streaming = 0,

    /// <summary>The pull is connecting to its source.</summary>
    Connecting = 1,

    /// <summary>The source's session ended after the stream was live.</summary>
    Disconnected = 4,

    /// <summary>The attempt ended before the stream was live.</summary>
    ConnectionFailed = 5,
}
