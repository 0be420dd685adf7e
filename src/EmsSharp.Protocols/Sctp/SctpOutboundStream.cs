namespace EmsSharp.Protocols.Sctp;

/// <summary>Per outgoing stream: its send queue, next SSN, bytes not yet acknowledged, and the low-water mark.</summary>
internal sealed class SctpOutboundStream
{
    public ushort Id;
    public ushort NextSsn;
    public long BufferedBytes;
    public long LowThreshold;
    public readonly Queue<SctpOutboundMessage> Queue = new();

    /// <summary>Whether the stream is in the round-robin ring of streams with queued messages.</summary>
    public bool Scheduled;
}
