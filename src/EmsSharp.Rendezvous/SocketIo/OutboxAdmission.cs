namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>What became of a frame offered to a socket's outbox.</summary>
internal enum OutboxAdmission
{
    /// <summary>Queued.</summary>
    Accepted,

    /// <summary>A relayed message refused: its sender already has its share of this receiver's outbox waiting.</summary>
    SenderOverBudget,

    /// <summary>A relayed message refused: the receiver's outbox holds as much relayed traffic as it may.</summary>
    ReceiverBusy,

    /// <summary>The server's own frame does not fit: the receiver does not read, and is closed.</summary>
    Full,

    /// <summary>The socket is closing.</summary>
    Closed,
}
