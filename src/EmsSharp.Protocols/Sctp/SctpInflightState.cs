namespace EmsSharp.Protocols.Sctp;

/// <summary>Where a sent chunk stands.</summary>
internal enum SctpInflightState : byte
{
    None,
    InFlight,
    NeedsRetransmit,
    GapAcked,
    Abandoned,
}
