namespace EmsSharp.Protocols.Sctp;

/// <summary>Receiver-side record of one DATA chunk, kept in a ring indexed by TSN until its message is complete.</summary>
internal struct SctpReceivedChunk
{
    public uint Tsn;
    public bool Present;
    public byte[]? Buffer;
    public int Length;
    public ushort StreamId;
    public ushort Ssn;
    public uint Ppid;
    public byte Flags;
}
