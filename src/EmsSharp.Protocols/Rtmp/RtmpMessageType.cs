namespace EmsSharp.Protocols.Rtmp;

/// <summary>RTMP message type ids (Adobe RTMP specification 1.0, §5.4, §7.1).</summary>
public enum RtmpMessageType : byte
{
    /// <summary>Set Chunk Size (§5.4.1).</summary>
    SetChunkSize = 1,

    /// <summary>Abort Message (§5.4.2).</summary>
    Abort = 2,

    /// <summary>Acknowledgement (§5.4.3).</summary>
    Acknowledgement = 3,

    /// <summary>User Control Message (§6.2, §7.1.7).</summary>
    UserControl = 4,

    /// <summary>Window Acknowledgement Size (§5.4.4).</summary>
    WindowAcknowledgementSize = 5,

    /// <summary>Set Peer Bandwidth (§5.4.5).</summary>
    SetPeerBandwidth = 6,

    /// <summary>Audio data (§7.1.4).</summary>
    Audio = 8,

    /// <summary>Video data (§7.1.5).</summary>
    Video = 9,

    /// <summary>Data message, AMF3 (§7.1.2).</summary>
    DataAmf3 = 15,

    /// <summary>Command message, AMF3 (§7.1.1).</summary>
    CommandAmf3 = 17,

    /// <summary>Data message, AMF0 (§7.1.2).</summary>
    DataAmf0 = 18,

    /// <summary>Command message, AMF0 (§7.1.1).</summary>
    CommandAmf0 = 20,

    /// <summary>Aggregate message (§7.1.6).</summary>
    Aggregate = 22,
}
