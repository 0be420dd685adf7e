namespace EmsSharp.Protocols.Sctp;

/// <summary>Per incoming stream: the next SSN to deliver and complete messages waiting for their turn.</summary>
internal sealed class SctpInboundStream
{
    public ushort ExpectedSsn;
    public readonly Dictionary<ushort, SctpEvent> Pending = [];
}
