namespace EmsSharp.Protocols.Stun;

/// <summary>What a client transaction wants after a timeout.</summary>
internal enum StunTransactionStatus
{
    Waiting,
    Retransmit,
    TimedOut,
}
