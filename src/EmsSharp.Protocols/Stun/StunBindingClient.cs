using System.Net;

namespace EmsSharp.Protocols.Stun;

/// <summary>
/// One Binding request to a STUN server, sans-IO: server-reflexive discovery of the socket it is sent from
/// (RFC 8489 §3, RFC 8445 §5.1.1.2). The owner sends <see cref="Request"/> now and again whenever
/// <see cref="HandleTimeout"/> says <see cref="StunTransactionStatus.Retransmit"/>, and offers responses to
/// <see cref="TryHandleResponse"/>.
/// </summary>
public sealed class StunBindingClient
{
    private readonly StunClientTransaction _transaction;

    /// <summary>Starts a transaction at <paramref name="now"/> (RFC 8489 §6.2.1 timers from <paramref name="initialRto"/>).</summary>
    public StunBindingClient(IPEndPoint server, TimeSpan now, TimeSpan initialRto)
    {
        var request = new StunMessage(StunClass.Request, StunMessage.BindingMethod, StunMessage.NewTransactionId())
        {
            AddFingerprint = true,
        };
        _transaction = new StunClientTransaction(request.ToArray(), request.TransactionId, server, now, initialRto);
    }

    /// <summary>The STUN server asked.</summary>
    public IPEndPoint Server => _transaction.Destination;

    /// <summary>The request datagram, to send at start and on every retransmission.</summary>
    public byte[] Request => _transaction.Request;

    /// <summary>The transaction id (12 bytes), the key a shared socket routes the response by.</summary>
    public ReadOnlySpan<byte> TransactionId => _transaction.TransactionId;

    /// <summary>When <see cref="HandleTimeout"/> has work.</summary>
    public TimeSpan NextTimeout => _transaction.NextTimeout;

    /// <summary>Reads the transaction id of a STUN response (success or error class) without a full parse.</summary>
    public static bool TryGetResponseTransactionId(ReadOnlySpan<byte> datagram, out ReadOnlySpan<byte> transactionId)
    {
        // RFC 8489 §5: the class bit C1 (0x0100 of the type) is set for both response classes.
        transactionId = default;
        if (!StunMessage.IsStun(datagram) || (datagram[0] & 0x01) == 0)
        {
            return false;
        }

        transactionId = datagram.Slice(8, 12);
        return true;
    }

    /// <summary>Retransmission or failure due at <paramref name="now"/>.</summary>
    public StunTransactionStatus HandleTimeout(TimeSpan now) => _transaction.HandleTimeout(now);

    /// <summary>
    /// Offers a datagram from the server. True when it answers this transaction: <paramref name="mapped"/> is the
    /// XOR-MAPPED-ADDRESS of a success response (RFC 8489 §14.2), null for an error response or one without it.
    /// </summary>
    public bool TryHandleResponse(ReadOnlySpan<byte> datagram, out IPEndPoint? mapped)
    {
        mapped = null;
        if (!StunMessage.TryRead(datagram, out var message, out _) || !_transaction.Matches(message!.TransactionId) ||
            message.Method != StunMessage.BindingMethod || !StunMessage.VerifyFingerprint(datagram, message))
        {
            return false;
        }

        if (message.Class == StunClass.SuccessResponse)
        {
            message.TryGetXorMappedAddress(out mapped);
            return true;
        }

        return message.Class == StunClass.ErrorResponse;
    }
}
