namespace EmsSharp.Protocols.Stun;

/// <summary>What a client transaction wants after a timeout.</summary>
public enum StunTransactionStatus
{
    /// <summary>Nothing to do before the next timeout.</summary>
    Waiting,

    /// <summary>Send the request again.</summary>
    Retransmit,

    /// <summary>No answer: the transaction failed.</summary>
    TimedOut,
}
