namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// The transport-wide sequence number shared by every track sent over one transport
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
/// </summary>
public sealed class TransportSequenceCounter
{
    private ushort _next;

    /// <summary>Creates a counter starting at <paramref name="initial"/>.</summary>
    public TransportSequenceCounter(ushort initial = 1) => _next = initial;

    /// <summary>Returns the next number and advances, wrapping at 65535.</summary>
    public ushort Next() => _next++;
}
