namespace EmsSharp.Protocols.Sctp;

/// <summary>Sender-side record of one DATA chunk with a TSN, kept in a ring indexed by TSN.</summary>
internal struct SctpInflightChunk
{
    public SctpOutboundMessage? Message;
    public int Offset;
    public int Length;
    public byte Flags;
    public SctpInflightState State;
    public byte MissCount;
    public int Transmissions;
    public TimeSpan SentAt;
}
