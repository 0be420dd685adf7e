namespace EmsSharp.Protocols.Sctp;

/// <summary>Counters of one association.</summary>
internal sealed class SctpStatistics
{
    public long PacketsReceived;
    public long PacketsDropped;
    public long DataChunksDropped;
    public long PacketsSent;
    public long DataChunksSent;
    public long Retransmissions;
    public long FastRetransmits;
    public long T3Expiries;
    public long ForwardTsnSent;
    public long AbandonedMessages;
}
