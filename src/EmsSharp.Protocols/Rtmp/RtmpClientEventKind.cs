namespace EmsSharp.Protocols.Rtmp;

/// <summary>What an <see cref="RtmpClientEvent"/> reports.</summary>
public enum RtmpClientEventKind
{
    /// <summary>The server answered play with <c>NetStream.Play.Start</c>.</summary>
    Playing,

    /// <summary>In publish mode, the server answered publish with <c>NetStream.Publish.Start</c> (§7.2.2.6).</summary>
    Publishing,

    /// <summary>An onMetaData object.</summary>
    Metadata,

    /// <summary>A video message (FLV video tag body).</summary>
    Video,

    /// <summary>An audio message (FLV audio tag body).</summary>
    Audio,
}
