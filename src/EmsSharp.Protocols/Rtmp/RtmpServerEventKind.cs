namespace EmsSharp.Protocols.Rtmp;

/// <summary>What an <see cref="RtmpServerEvent"/> reports.</summary>
public enum RtmpServerEventKind
{
    /// <summary>The client asks to publish <see cref="RtmpServerEvent.StreamName"/>; answer with
    /// <see cref="RtmpServerSession.AcceptPublish"/> or <see cref="RtmpServerSession.RejectPublish"/>.</summary>
    PublishRequested,

    /// <summary>The client stopped publishing (FCUnpublish, closeStream or deleteStream).</summary>
    Unpublished,

    /// <summary>onMetaData (usually via @setDataFrame); <see cref="RtmpServerEvent.Metadata"/> holds it.</summary>
    Metadata,

    /// <summary>A video message: an FLV video tag body.</summary>
    Video,

    /// <summary>An audio message: an FLV audio tag body.</summary>
    Audio,

    /// <summary>The client asks to play <see cref="RtmpServerEvent.StreamName"/> (query included); answer with
    /// <see cref="RtmpServerSession.AcceptPlay"/> or <see cref="RtmpServerSession.RejectPlay"/>.</summary>
    PlayRequested,

    /// <summary>The client stopped playing (closeStream or deleteStream); send it nothing more on that stream.</summary>
    PlayStopped,
}
