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

    /// <summary>At either end of a run of held fragments of one message: the TSN of the run's other end.</summary>
    public uint RunOtherEnd;

    /// <summary>At either end of a run: the user bytes the run holds.</summary>
    public long RunBytes;
}
