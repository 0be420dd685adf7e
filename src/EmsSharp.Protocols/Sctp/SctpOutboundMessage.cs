namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// A queued user message. Its bytes live in one pooled buffer that is returned once every fragment is
/// fragmented and acknowledged or abandoned. Fragments get consecutive TSNs (RFC 9260 §6.9).
/// </summary>
internal sealed class SctpOutboundMessage
{
    public required SctpOutboundStream Stream;
    public required byte[] Buffer;
    public int Length;
    public uint Ppid;
    public bool Unordered;
    public int MaxRetransmits = -1;
    public TimeSpan? Lifetime;
    public TimeSpan Expiry = TimeSpan.MaxValue;

    /// <summary>Bytes already cut into chunks.</summary>
    public int Offset;
    public ushort Ssn;
    public uint FirstTsn;
    public int ChunksAssigned;
    public int LiveChunks;
    public bool Abandoned;

    /// <summary>Whether the bytes count toward the stream's buffered amount.</summary>
    public bool Counted = true;
}
