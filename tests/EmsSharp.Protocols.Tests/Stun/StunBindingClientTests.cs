using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Tests.Stun;

public sealed class StunBindingClientTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("198.51.100.1"), 3478);
    private static readonly IPEndPoint Mapped = new(IPAddress.Parse("203.0.113.5"), 40000);

    [Fact]
    public void Success_response_gives_the_mapped_address()
    {
        var client = new StunBindingClient(Server, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.True(StunMessage.TryRead(client.Request, out var request, out _));
        Assert.Equal(StunClass.Request, request!.Class);
        Assert.Equal(StunMessage.BindingMethod, request.Method);

        var response = Respond(request.TransactionId, StunClass.SuccessResponse, Mapped);
        Assert.True(StunBindingClient.TryGetResponseTransactionId(response, out var id));
        Assert.True(id.SequenceEqual(client.TransactionId));
        Assert.True(client.TryHandleResponse(response, out var mapped));
        Assert.Equal(Mapped, mapped);
    }

    [Fact]
    public void Error_response_completes_without_an_address()
    {
        var client = new StunBindingClient(Server, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.True(client.TryHandleResponse(Respond(client.TransactionId.ToArray(), StunClass.ErrorResponse, null), out var mapped));
        Assert.Null(mapped);
    }

    [Fact]
    public void Other_transactions_requests_and_garbage_are_not_answers()
    {
        var client = new StunBindingClient(Server, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.False(client.TryHandleResponse(Respond(StunMessage.NewTransactionId(), StunClass.SuccessResponse, Mapped), out _));
        Assert.False(client.TryHandleResponse(client.Request, out _));
        Assert.False(StunBindingClient.TryGetResponseTransactionId(client.Request, out _));
        Assert.False(client.TryHandleResponse(new byte[] { 1, 1, 0, 0 }, out _));
        Assert.False(StunBindingClient.TryGetResponseTransactionId(new byte[] { 1, 1, 0, 0 }, out _));

        // A corrupted FINGERPRINT (RFC 8489 §14.7) is not trusted.
        var response = Respond(client.TransactionId.ToArray(), StunClass.SuccessResponse, Mapped);
        response[^1] ^= 0xFF;
        Assert.False(client.TryHandleResponse(response, out _));
    }

    [Fact]
    public void Retransmits_on_the_transaction_schedule()
    {
        var client = new StunBindingClient(Server, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(500), client.NextTimeout);
        Assert.Equal(StunTransactionStatus.Waiting, client.HandleTimeout(TimeSpan.FromMilliseconds(499)));
        Assert.Equal(StunTransactionStatus.Retransmit, client.HandleTimeout(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), client.NextTimeout);
    }

    private static byte[] Respond(byte[] transactionId, StunClass messageClass, IPEndPoint? mapped)
    {
        var response = new StunMessage(messageClass, StunMessage.BindingMethod, transactionId) { AddFingerprint = true };
        if (mapped is not null)
        {
            response.AddXorMappedAddress(mapped);
        }
        else
        {
            response.AddErrorCode(400, "Bad Request");
        }

        return response.ToArray();
    }
}
