namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Where FLV-style media messages go (RTMP 1.0 §7.1.4, §7.1.5): a server session sending to a player, or a client session
/// publishing to a server. Lets one piece build the tags (the FLV tag header then the frame) for both directions.
/// </summary>
public interface IRtmpMediaSink
{
    /// <summary>Bytes waiting in the transmit buffer (a driver bounds what it queues by this before sending).</summary>
    int PendingTransmitBytes { get; }

    /// <summary>Sends one video message: <paramref name="tagHeader"/> (FLV v10.1 E.4.3.1) then <paramref name="body"/>.</summary>
    void WriteVideo(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body);

    /// <summary>Sends one audio message: <paramref name="tagHeader"/> (FLV v10.1 E.4.2.1) then <paramref name="body"/>.</summary>
    void WriteAudio(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body);
}
