namespace EmsSharp.Protocols.Sctp;

/// <summary>Per outgoing stream: next SSN, bytes not yet acknowledged, and the low-water mark.</summary>
internal sealed class SctpOutboundStream
{
    public ushort Id;
    public ushort NextSsn;
    public long BufferedBytes;
    public long LowThreshold;
    public int QueuedMessages;
}
