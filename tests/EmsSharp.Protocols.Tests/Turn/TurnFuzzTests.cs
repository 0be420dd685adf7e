using System.Net;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Protocols.Tests.Turn;

/// <summary>
/// Seeded mutation fuzzing of the TURN server: valid requests, indications and ChannelData with bytes
/// changed, truncated, lengths rewritten, or plain random bytes. The server never throws and creates
/// no allocation from anything but a byte-identical valid Allocate. Each seed replays as a test.
/// </summary>
public sealed class TurnFuzzTests
{
    private const int Iterations = 3000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8656)]
    public void Mutated_requests_never_throw_and_allocate_nothing(int seed)
    {
        Random random = new(seed);
        FakeRelays relays = new();
        TurnServer server = new(new TurnServerOptions { MaxAllocationsPerIp = int.MaxValue, MaxAllocationsPerUser = int.MaxValue },
            new FixedCredentials(new() { ["alice"] = "secret" }), relays, TurnPeerPolicy.Default);
        TimeSpan now = TimeSpan.FromSeconds(10);

        // One allocated client provides a nonce and a relay for the in-allocation messages.
        TurnTestClient client = new(server, TurnTestClient.Udp("192.0.2.1", 1), "alice", "secret");
        Assert.Equal(0, TurnTestClient.ErrorCode(client.Allocate(now)));
        IPEndPoint peer = new(IPAddress.Parse("192.0.2.10"), 4000);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(now, 0x4000, peer)));
        byte[][] valid = ValidInputs(client, peer);

        int expected = server.AllocationCount;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] original = valid[random.Next(valid.Length)];
            byte[] data = Mutate(random, original);
            TurnFiveTuple tuple = random.Next(2) == 0 ? client.Tuple : TurnTestClient.Udp("192.0.2.1", 10_000 + i);
            if (data.AsSpan().SequenceEqual(original) && original == valid[0] && tuple != client.Tuple)
            {
                expected++; // an unchanged valid Allocate from a new 5-tuple
            }

            server.HandleInbound(data, tuple, now);
            server.HandleRelayInbound(client.Relay!, peer, data, now);
            server.HandleTimeout(now);
            while (server.TryPollTransmit(out _))
            {
            }

            Assert.Equal(expected, server.AllocationCount);
        }
    }

    private static byte[][] ValidInputs(TurnTestClient client, IPEndPoint peer)
    {
        StunMessage allocate = client.NewRequest(TurnMethod.Allocate);
        allocate.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
        allocate.AddUInt32(StunAttributeType.Lifetime, 3600);
        allocate.AddFingerprint = true;
        StunMessage permission = client.NewRequest(TurnMethod.CreatePermission);
        permission.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, permission.TransactionId));
        StunMessage bind = client.NewRequest(TurnMethod.ChannelBind);
        bind.AddUInt32(StunAttributeType.ChannelNumber, 0x40010000);
        bind.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, bind.TransactionId));
        StunMessage refresh = client.NewRequest(TurnMethod.Refresh);
        refresh.AddUInt32(StunAttributeType.Lifetime, 600);
        StunMessage send = new(StunClass.Indication, TurnMethod.Send, StunMessage.NewTransactionId());
        send.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, send.TransactionId));
        send.Add(StunAttributeType.Data, [1, 2, 3, 4, 5]);
        return [allocate.ToArray(), permission.ToArray(), bind.ToArray(), refresh.ToArray(), send.ToArray(),
            [0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0]];
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        switch (random.Next(5))
        {
            case 0: // truncation
                return original.AsSpan(0, random.Next(original.Length + 1)).ToArray();
            case 1: // a rewritten message or attribute length
                {
                    byte[] data = (byte[])original.Clone();
                    int at = random.Next(2) == 0 ? 2 : 20 + (4 * random.Next(Math.Max(1, (data.Length - 20) / 4))) + 2;
                    if (at + 1 < data.Length)
                    {
                        data[at] = (byte)random.Next(256);
                        data[at + 1] = (byte)random.Next(256);
                    }

                    return data;
                }

            case 2: // random bytes, sometimes with a STUN or ChannelData start
                {
                    byte[] data = new byte[random.Next(0, 200)];
                    random.NextBytes(data);
                    if (data.Length >= 8 && random.Next(2) == 0)
                    {
                        original.AsSpan(0, 8).CopyTo(data);
                    }

                    return data;
                }

            case 3: // spliced with junk
                return [.. original, .. new byte[random.Next(1, 9)]];
            default: // a few bytes changed
                {
                    byte[] data = (byte[])original.Clone();
                    for (int f = random.Next(1, 4); f > 0; f--)
                    {
                        data[random.Next(data.Length)] = (byte)random.Next(256);
                    }

                    return data;
                }
        }
    }
}
