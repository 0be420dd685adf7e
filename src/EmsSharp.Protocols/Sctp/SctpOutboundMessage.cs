namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// A queued user message. Its bytes are either a copy in one pooled buffer (<see cref="Pooled"/>), returned once every
/// fragment is acknowledged or abandoned, or the sender's own immutable bytes, referenced until then. Fragments get
/// consecutive TSNs (RFC 9260 §6.9).
/// </summary>
internal sealed class SctpOutboundMessage
{
    public required SctpOutboundStream Stream;
    /// <summary>The message's bytes; empty once acknowledged or abandoned.</summary>
    public required ReadOnlyMemory<byte> Data;

    /// <summary>The pooled buffer <see cref="Data"/> lies in, when the bytes were copied; null when referenced.</summary>
    public byte[]? Pooled;
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
