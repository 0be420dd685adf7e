namespace EmsSharp.Protocols.Rtmp;

/// <summary>What one chunk stream remembers for header compression (RTMP 1.0 §5.3.1.2) and reassembly.</summary>
internal sealed class RtmpChunkStreamState
{
    public bool HasHeader { get; set; }

    public uint Timestamp { get; set; }

    public uint TimestampDelta { get; set; }

    public int Length { get; set; }

    public byte TypeId { get; set; }

    public uint MessageStreamId { get; set; }

    public bool ExtendedTimestamp { get; set; }

    public byte[]? Buffer { get; set; }

    public int Received { get; set; }
}
