using System.Net;

namespace EmsSharp.Protocols.Stun;

/// <summary>
/// Retransmission timing of one STUN client transaction over UDP (RFC 8489 §6.2.1), sans-IO:
/// the caller sends <see cref="Request"/> whenever <see cref="HandleTimeout"/> says so.
/// </summary>
internal sealed class StunClientTransaction
{
    /// <summary>Rc: total number of transmissions (RFC 8489 §6.2.1 default 7).</summary>
    public const int MaxTransmissions = 7;

    /// <summary>Rm: the final wait is Rm × the initial RTO (RFC 8489 §6.2.1 default 16).</summary>
    public const int FinalWaitMultiplier = 16;

    private readonly TimeSpan _initialRto;
    private TimeSpan _rto;
    private int _transmissions;

    public StunClientTransaction(byte[] request, byte[] transactionId, IPEndPoint destination, TimeSpan now,
        TimeSpan initialRto)
    {
        Request = request;
        TransactionId = transactionId;
        Destination = destination;
        _initialRto = initialRto;
        _rto = initialRto;
        _transmissions = 1;
        NextTimeout = now + _rto;
    }

    public byte[] Request { get; }

    public byte[] TransactionId { get; }

    public IPEndPoint Destination { get; }

    public TimeSpan NextTimeout { get; private set; }

    public bool Matches(ReadOnlySpan<byte> transactionId) => transactionId.SequenceEqual(TransactionId);

    public StunTransactionStatus HandleTimeout(TimeSpan now)
    {
        if (now < NextTimeout)
        {
            return StunTransactionStatus.Waiting;
        }

        if (_transmissions >= MaxTransmissions)
        {
            return StunTransactionStatus.TimedOut;
        }

        _transmissions++;
        // RFC 8489 §6.2.1: the RTO doubles after each retransmission; after the last one the client
        // waits Rm × RTO before declaring failure.
        _rto += _rto;
        NextTimeout = _transmissions == MaxTransmissions ? now + (_initialRto * FinalWaitMultiplier) : now + _rto;
        return StunTransactionStatus.Retransmit;
    }
}
