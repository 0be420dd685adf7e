using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Protocols.Tests.Turn;

/// <summary>Relay ports handed out from a counter; releases are recorded.</summary>
internal sealed class FakeRelays : IRelayPortAllocator
{
    private int _next = 50000;

    public bool Exhausted { get; set; }

    public List<IPEndPoint> Released { get; } = [];

    public IPEndPoint? TryAllocate(TurnFiveTuple client, AddressFamily family, bool evenPort) =>
        Exhausted ? null : new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Parse("203.0.113.1") : IPAddress.Parse("2001:db8::1"), _next += 2);

    public void Release(IPEndPoint relay) => Released.Add(relay);
}

/// <summary>A fixed username/password table.</summary>
internal sealed class FixedCredentials(Dictionary<string, string> passwords) : ITurnCredentialStore
{
    public string? GetPassword(string username) => passwords.GetValueOrDefault(username);
}

/// <summary>A TURN client for tests: builds authenticated requests and reads the server's answers.</summary>
internal sealed class TurnTestClient(TurnServer server, TurnFiveTuple tuple, string username, string password)
{
    public static readonly IPEndPoint ServerAddress = new(IPAddress.Parse("198.51.100.1"), 3478);

    public string? Nonce { get; set; }

    public string Realm { get; set; } = "emssharp";

    public string Password { get; set; } = password;

    public bool UseSha256 { get; set; }

    public TurnFiveTuple Tuple => tuple;

    public static TurnFiveTuple Udp(string ip, int port, TurnTransport transport = TurnTransport.Udp) =>
        new(transport, new IPEndPoint(IPAddress.Parse(ip), port), ServerAddress);

    public StunMessage NewRequest(ushort method, bool authenticate = true)
    {
        StunMessage request = new(StunClass.Request, method, StunMessage.NewTransactionId());
        if (authenticate && Nonce is not null)
        {
            request.AddUsername(username);
            request.Add(StunAttributeType.Realm, Encoding.UTF8.GetBytes(Realm));
            request.Add(StunAttributeType.Nonce, Encoding.ASCII.GetBytes(Nonce));
            request.IntegrityKey = TurnLongTermKey.Derive(username, Realm, Password);
            request.UseSha256Integrity = UseSha256;
        }

        return request;
    }

    /// <summary>Sends <paramref name="request"/> and returns the response; learns the NONCE of 401/438.</summary>
    public StunMessage Send(StunMessage request, TimeSpan now)
    {
        byte[] bytes = request.ToArray();
        server.HandleInbound(bytes, tuple, now);
        StunMessage response = Single(server, tuple);
        Assert.Equal(request.TransactionId, response.TransactionId);
        if (response.TryGetAttribute(StunAttributeType.Nonce, out byte[] nonce))
        {
            Nonce = Encoding.ASCII.GetString(nonce);
        }

        return response;
    }

    /// <summary>Sends after a 401 challenge when there is no NONCE yet, and retries once after a 438.</summary>
    public StunMessage Request(ushort method, TimeSpan now, Action<StunMessage>? attributes = null)
    {
        if (Nonce is null)
        {
            StunMessage probe = NewRequest(method);
            attributes?.Invoke(probe);
            StunMessage challenge = Send(probe, now);
            Assert.Equal(401, ErrorCode(challenge));
        }

        StunMessage request = NewRequest(method);
        attributes?.Invoke(request);
        StunMessage response = Send(request, now);
        if (ErrorCode(response) != 438)
        {
            return response;
        }

        // RFC 8489 §9.2.5: a stale nonce is retried once with the new one.
        StunMessage retry = NewRequest(method);
        attributes?.Invoke(retry);
        return Send(retry, now);
    }

    /// <summary>The relayed address of the last successful Allocate.</summary>
    public IPEndPoint? Relay { get; private set; }

    public StunMessage Allocate(TimeSpan now, Action<StunMessage>? extra = null)
    {
        StunMessage response = Request(TurnMethod.Allocate, now, r =>
        {
            r.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
            extra?.Invoke(r);
        });
        if (response.TryGetAttribute(StunAttributeType.XorRelayedAddress, out byte[] relayed)
            && StunXorAddress.TryDecode(relayed, response.TransactionId, out IPEndPoint? relay))
        {
            Relay = relay;
        }

        return response;
    }

    public StunMessage CreatePermission(TimeSpan now, params IPEndPoint[] peers) =>
        Request(TurnMethod.CreatePermission, now, r =>
        {
            foreach (IPEndPoint peer in peers)
            {
                r.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, r.TransactionId));
            }
        });

    public StunMessage ChannelBind(TimeSpan now, ushort channel, IPEndPoint peer) =>
        Request(TurnMethod.ChannelBind, now, r =>
        {
            r.AddUInt32(StunAttributeType.ChannelNumber, (uint)channel << 16);
            r.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, r.TransactionId));
        });

    public StunMessage Refresh(TimeSpan now, uint? lifetime = null) =>
        Request(TurnMethod.Refresh, now, r =>
        {
            if (lifetime is { } l)
            {
                r.AddUInt32(StunAttributeType.Lifetime, l);
            }
        });

    public void SendIndication(IPEndPoint peer, byte[] data, TimeSpan now)
    {
        StunMessage send = new(StunClass.Indication, TurnMethod.Send, StunMessage.NewTransactionId());
        send.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, send.TransactionId));
        send.Add(StunAttributeType.Data, data);
        server.HandleInbound(send.ToArray(), tuple, now);
    }

    public static int ErrorCode(StunMessage response) =>
        response.TryGetErrorCode(out int code, out _) ? code : response.Class == StunClass.SuccessResponse ? 0 : -1;

    public static StunMessage Single(TurnServer server, TurnFiveTuple tuple)
    {
        Assert.True(server.TryPollTransmit(out TurnTransmit transmit));
        Assert.False(transmit.IsToPeer);
        Assert.Equal(tuple, transmit.Client);
        Assert.False(server.TryPollTransmit(out _));
        Assert.True(StunMessage.TryRead(transmit.Payload.Span, out StunMessage? response, out _));
        Assert.True(StunMessage.VerifyFingerprint(transmit.Payload.Span, response!));
        return response!;
    }
}
