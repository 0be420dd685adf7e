using System.Diagnostics;
using System.Security.Cryptography;
using EmsSharp.Protocols.Sctp;
using Xunit.Abstractions;

namespace EmsSharp.Protocols.Tests.Sctp;

public sealed class SctpAssociationTests(ITestOutputHelper output)
{
    private static (AssociationPeer A, AssociationPeer B) CreatePair(int seed = 1, int mtu = 1200) => (
        new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = seed, Mtu = mtu })),
        new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = seed + 1000, Mtu = mtu })));

    private static List<SctpEvent> Drain(SctpAssociation association, List<SctpEvent>? into = null)
    {
        into ??= [];
        while (association.TryPollEvent(out var ev))
        {
            into.Add(ev);
        }

        return into;
    }

    private static SimulatedNetwork Connect(AssociationPeer a, AssociationPeer b, bool bothInitiate, int seed = 7, double loss = 0, TimeSpan jitter = default)
    {
        var net = new SimulatedNetwork(a, b, seed) { Loss = loss, Jitter = jitter };
        a.Association.Connect(net.Now);
        if (bothInitiate)
        {
            b.Association.Connect(net.Now);
        }

        net.RunUntil(() => a.Association.State == SctpAssociationState.Established && b.Association.State == SctpAssociationState.Established, TimeSpan.FromSeconds(120));
        return net;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Handshake_OneSideInitiates_BothEstablishWithWebRtcExtensions(bool reverse)
    {
        var (a, b) = CreatePair();
        if (reverse)
        {
            (a, b) = (b, a);
        }

        Connect(a, b, bothInitiate: false);
        Assert.Contains(Drain(a.Association), e => e.Kind == SctpEventKind.Connected);
        Assert.Contains(Drain(b.Association), e => e.Kind == SctpEventKind.Connected);
        Assert.True(a.Association.PeerSupportsForwardTsn && a.Association.PeerSupportsReConfig);
        Assert.True(b.Association.PeerSupportsForwardTsn && b.Association.PeerSupportsReConfig);
        Assert.Equal(65535, a.Association.OutboundStreamCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Handshake_InitCollision_BothEstablishOnce(int seed)
    {
        var (a, b) = CreatePair(seed);
        var net = Connect(a, b, bothInitiate: true, seed);
        var until = net.Now + TimeSpan.FromSeconds(5);
        net.RunUntil(() => net.Now >= until, TimeSpan.FromSeconds(60));
        Assert.Single(Drain(a.Association), e => e.Kind == SctpEventKind.Connected);
        Assert.Single(Drain(b.Association), e => e.Kind == SctpEventKind.Connected);
        a.Association.Send(1, 53, "ping"u8);
        var got = new List<SctpEvent>();
        net.RunUntil(() => Drain(b.Association, got).Count > 0, TimeSpan.FromSeconds(5));
        Assert.Equal("ping"u8.ToArray(), got[0].Data);
    }

    [Fact]
    public void Handshake_LostInitAndCookie_Retransmitted()
    {
        var (a, b) = CreatePair();
        var net = new SimulatedNetwork(a, b, 3);
        var dropped = 0;
        net.Filter = (_, toB) => !(toB && dropped++ < 2); // lose the first INIT and the first COOKIE ECHO
        a.Association.Connect(net.Now);
        net.RunUntil(() => a.Association.State == SctpAssociationState.Established && b.Association.State == SctpAssociationState.Established, TimeSpan.FromSeconds(30));
        Assert.True(dropped >= 3);
    }

    [Fact]
    public void Handshake_NoPeer_GivesUpAfterMaxInitRetransmits()
    {
        var a = new SctpAssociation(new SctpAssociationOptions { RandomSeed = 1 });
        a.Connect(TimeSpan.Zero);
        var buffer = new byte[1500];
        var now = TimeSpan.Zero;
        var inits = 0;
        while (a.NextTimeout is { } t)
        {
            while (a.TryPollTransmit(buffer, now, out _))
            {
                inits++;
            }

            now = t;
            a.HandleTimeout(now);
        }

        Assert.Equal(9, inits); // first INIT + Max.Init.Retransmits (8)
        Assert.Contains(Drain(a), e => e.Kind == SctpEventKind.Aborted);
    }

    [Fact]
    public void Transfer_50MB_With2PercentLossAndReordering_ArrivesIntact()
    {
        var (a, b) = CreatePair(11);
        var net = Connect(a, b, bothInitiate: true, seed: 5);
        net = new SimulatedNetwork(a, b, 99) { Loss = 0.02, Jitter = TimeSpan.FromMilliseconds(8), Delay = TimeSpan.FromMilliseconds(15) };
        var (sent, received, elapsed) = Transfer(net, a.Association, b.Association, 50 * 1024 * 1024, 65536, TimeSpan.FromHours(1));
        Assert.Equal(sent, received);
        output.WriteLine($"50 MB with 2% loss + reordering: {elapsed.TotalMilliseconds:F0} ms wall, {net.Now.TotalSeconds:F1} s simulated, " +
            $"retransmissions {a.Association.Statistics.Retransmissions}, fast {a.Association.Statistics.FastRetransmits}, T3 {a.Association.Statistics.T3Expiries}");
    }

    [Fact]
    public void Transfer_50MB_NoLoss_ReportsThroughput()
    {
        var (a, b) = CreatePair(12);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 1) { Delay = TimeSpan.FromMilliseconds(1) };
        var (sent, received, elapsed) = Transfer(net, a.Association, b.Association, 50 * 1024 * 1024, 65536, TimeSpan.FromHours(1));
        Assert.Equal(sent, received);
        output.WriteLine($"In-memory SCTP throughput (50 MB, no loss, Debug): {50 / elapsed.TotalSeconds:F1} MB/s " +
            $"({elapsed.TotalMilliseconds:F0} ms wall, {net.PacketsAToB} packets A->B, {net.PacketsBToA} B->A)");
    }

    /// <summary>Sends <paramref name="total"/> bytes in messages with back-pressure; returns SHA-256 of what went and what came.</summary>
    internal static (string Sent, string Received, TimeSpan Wall) Transfer(SimulatedNetwork net, SctpAssociation sender, SctpAssociation receiver, long total, int messageSize, TimeSpan maxDuration)
    {
        var pattern = new byte[1 << 20];
        new Random(42).NextBytes(pattern);
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long queued = 0, arrived = 0;
        var index = 0;
        var stopwatch = Stopwatch.StartNew();
        net.RunUntil(() => arrived == total, maxDuration, () =>
        {
            while (queued < total && sender.GetBufferedAmount(1) < 4 * 1024 * 1024)
            {
                var length = (int)Math.Min(messageSize, total - queued);
                var slice = pattern.AsSpan((index++ * 7919) % (pattern.Length - messageSize), length);
                sender.Send(1, 53, slice);
                sentHash.AppendData(slice);
                queued += length;
            }

            while (receiver.TryPollEvent(out var ev))
            {
                if (ev.Kind == SctpEventKind.MessageReceived)
                {
                    receivedHash.AppendData(ev.Data!);
                    arrived += ev.Data!.Length;
                }
            }
        });
        stopwatch.Stop();
        return (Convert.ToHexString(sentHash.GetHashAndReset()), Convert.ToHexString(receivedHash.GetHashAndReset()), stopwatch.Elapsed);
    }

    [Fact]
    public void Unordered_UnderReordering_AllArriveSomeOutOfOrder()
    {
        var (a, b) = CreatePair(21);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 4) { Jitter = TimeSpan.FromMilliseconds(30) };
        for (var i = 0; i < 200; i++)
        {
            a.Association.Send(3, 53, BitConverter.GetBytes(i), new SctpSendOptions { Unordered = true });
        }

        var got = new List<int>();
        net.RunUntil(() => got.Count == 200, TimeSpan.FromSeconds(60), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                if (ev.Kind == SctpEventKind.MessageReceived)
                {
                    Assert.True(ev.Unordered);
                    got.Add(BitConverter.ToInt32(ev.Data));
                }
            }
        });
        Assert.Equal(Enumerable.Range(0, 200), got.Order());
        Assert.NotEqual(Enumerable.Range(0, 200), got);
    }

    [Fact]
    public void Ordered_UnderReorderingAndLoss_DeliveredInOrder()
    {
        var (a, b) = CreatePair(22);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 5) { Jitter = TimeSpan.FromMilliseconds(30), Loss = 0.05 };
        for (var i = 0; i < 500; i++)
        {
            a.Association.Send((ushort)(i % 3), 53, BitConverter.GetBytes(i));
        }

        var perStream = new List<int>[] { [], [], [] };
        var count = 0;
        net.RunUntil(() => count == 500, TimeSpan.FromSeconds(120), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                if (ev.Kind == SctpEventKind.MessageReceived)
                {
                    perStream[ev.StreamId].Add(BitConverter.ToInt32(ev.Data));
                    count++;
                }
            }
        });
        foreach (var list in perStream)
        {
            Assert.Equal(list.Order(), list);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PartialReliability_MaxRetransmitsZero_DropsLostMessagesAndForwardTsnAdvancesPeer(bool unordered)
    {
        var (a, b) = CreatePair(31);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 6) { Loss = 0.2 };
        const int messages = 300;
        for (var i = 0; i < messages; i++)
        {
            var payload = new byte[1000];
            BitConverter.TryWriteBytes(payload, i);
            a.Association.Send(5, 53, payload, new SctpSendOptions { MaxRetransmits = 0, Unordered = unordered });
        }

        var got = new List<int>();
        net.RunUntil(() => a.Association.GetBufferedAmount(5) == 0, TimeSpan.FromSeconds(60), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                if (ev.Kind == SctpEventKind.MessageReceived)
                {
                    got.Add(BitConverter.ToInt32(ev.Data));
                }
            }
        });
        Assert.InRange(got.Count, messages / 2, messages - 1);
        Assert.Equal(got.Count, got.Distinct().Count());
        if (!unordered)
        {
            Assert.Equal(got.Order(), got);
        }

        Assert.True(a.Association.Statistics.ForwardTsnSent > 0);
        Assert.True(a.Association.Statistics.AbandonedMessages > 0);

        // The peer's cumulative TSN moved past the abandoned messages: reliable data still flows in order.
        a.Association.Send(5, 53, "after"u8);
        var after = false;
        net = new SimulatedNetwork(a, b, 8);
        net.RunUntil(() => after, TimeSpan.FromSeconds(10), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                after |= ev.Kind == SctpEventKind.MessageReceived && ev.Data!.AsSpan().SequenceEqual("after"u8);
            }
        });
    }

    [Fact]
    public void PartialReliability_Lifetime_ExpiredMessagesAbandoned()
    {
        var (a, b) = CreatePair(32);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 9) { Loss = 0.1, Delay = TimeSpan.FromMilliseconds(50) };
        for (var i = 0; i < 200; i++)
        {
            a.Association.Send(7, 53, new byte[3000], new SctpSendOptions { Lifetime = TimeSpan.FromMilliseconds(400) });
        }

        var got = 0;
        net.RunUntil(() => a.Association.GetBufferedAmount(7) == 0, TimeSpan.FromSeconds(60), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                got += ev.Kind == SctpEventKind.MessageReceived ? 1 : 0;
            }
        });
        Assert.InRange(got, 1, 199);
        Assert.True(a.Association.Statistics.AbandonedMessages > 0);
    }

    [Theory]
    [InlineData(1200)]
    [InlineData(1163)] // the DTLS send limit under AES-GCM: a padded DATA chunk must still fit
    public void LargeMessage_FragmentedAndReassembled_PacketsWithinMtu(int mtu)
    {
        var (a, b) = CreatePair(41, mtu);
        var net = Connect(a, b, bothInitiate: false);
        var maxPacket = 0;
        net.Filter = (p, _) =>
        {
            maxPacket = Math.Max(maxPacket, p.Length);
            return true;
        };
        var message = new byte[262144];
        new Random(1).NextBytes(message);
        a.Association.Send(0, 53, message);
        byte[]? got = null;
        net.RunUntil(() => got is not null, TimeSpan.FromSeconds(30), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                got ??= ev.Kind == SctpEventKind.MessageReceived ? ev.Data : null;
            }
        });
        Assert.Equal(message, got);
        Assert.InRange(maxPacket, 1000, mtu);
    }

    [Fact]
    public void ImmutableMessage_ReferencedSliceRetransmittedUnderLoss_ArrivesWholeAndIsReleased()
    {
        var (a, b) = CreatePair(43);
        var net = Connect(a, b, bothInitiate: false);
        net = new SimulatedNetwork(a, b, 17) { Loss = 0.1, Delay = TimeSpan.FromMilliseconds(10) };

        // A fan-out buffer: the message is a slice of it, sent by reference by two streams.
        var shared = new byte[100_000];
        new Random(3).NextBytes(shared);
        var slice = shared.AsMemory(1234, 65_000);
        a.Association.SendImmutable(0, 53, slice);
        a.Association.SendImmutable(1, 53, slice);
        var got = new List<byte[]>();
        net.RunUntil(() => got.Count == 2 && a.Association.GetBufferedAmount(0) == 0 && a.Association.GetBufferedAmount(1) == 0,
            TimeSpan.FromSeconds(60), () =>
            {
                while (b.Association.TryPollEvent(out var ev))
                {
                    if (ev.Kind == SctpEventKind.MessageReceived)
                    {
                        got.Add(ev.Data!);
                    }
                }
            });

        Assert.All(got, m => Assert.Equal(slice.ToArray(), m));
        Assert.True(a.Association.Statistics.Retransmissions > 0, "10 % loss must have made the referenced bytes go again");
    }

    [Fact]
    public void ImmutableMessage_Empty_IsRefused()
    {
        var (a, b) = CreatePair(44);
        Connect(a, b, bothInitiate: false);
        Assert.Throws<ArgumentException>(() => a.Association.SendImmutable(0, 53, ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void MessageOverOurMaxMessageSize_AbortsAssociation()
    {
        var a = new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = 1 }));
        var b = new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = 2, MaxMessageSize = 10000 }));
        var net = Connect(a, b, bothInitiate: false);
        a.Association.Send(0, 53, new byte[10001]);
        net.RunUntil(() => b.Association.State == SctpAssociationState.Closed && a.Association.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(10));
        Assert.Contains(Drain(a.Association), e => e.Kind == SctpEventKind.Aborted);
    }

    [Fact]
    public void Shutdown_DeliversQueuedDataThenClosesBothSides()
    {
        var (a, b) = CreatePair(51);
        var net = Connect(a, b, bothInitiate: true);
        net = new SimulatedNetwork(a, b, 10) { Loss = 0.1 };
        a.Association.Send(1, 53, new byte[100000]);
        a.Association.Shutdown();
        net.RunUntil(() => a.Association.State == SctpAssociationState.Closed && b.Association.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(120));
        var eventsB = Drain(b.Association);
        Assert.Contains(eventsB, e => e.Kind == SctpEventKind.MessageReceived && e.Data!.Length == 100000);
        Assert.Contains(eventsB, e => e.Kind == SctpEventKind.Closed);
        Assert.Contains(Drain(a.Association), e => e.Kind == SctpEventKind.Closed);
        Assert.Throws<InvalidOperationException>(() => a.Association.Send(1, 53, "x"u8));
    }

    [Fact]
    public void Abort_PeerSeesAbortWithReason()
    {
        var (a, b) = CreatePair(52);
        var net = Connect(a, b, bothInitiate: false);
        a.Association.Abort("bye");
        net.RunUntil(() => b.Association.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(5));
        var aborted = Assert.Single(Drain(b.Association), e => e.Kind == SctpEventKind.Aborted);
        Assert.Contains("bye", aborted.Reason, StringComparison.Ordinal);
        Assert.Null(a.Association.NextTimeout);
    }

    [Fact]
    public void PeerGone_AbortsAfterMaxRetransmissions()
    {
        var (a, b) = CreatePair(53);
        var net = Connect(a, b, bothInitiate: false);
        net.Filter = (_, toB) => !toB;
        a.Association.Send(1, 53, "lost"u8);
        net.RunUntil(() => a.Association.State == SctpAssociationState.Closed, TimeSpan.FromHours(2));
        Assert.Contains(Drain(a.Association), e => e.Kind == SctpEventKind.Aborted);
    }

    [Fact]
    public void StreamReset_BothDirections_SsnRestartsAtZero()
    {
        var (a, b) = CreatePair(61);
        var net = Connect(a, b, bothInitiate: false);
        a.Association.Send(4, 53, "one"u8);
        a.Association.ResetStreams([4]);
        var eventsA = new List<SctpEvent>();
        var eventsB = new List<SctpEvent>();
        net.RunUntil(() => eventsA.Exists(e => e.Kind == SctpEventKind.OutgoingStreamsReset), TimeSpan.FromSeconds(10), () =>
        {
            Drain(a.Association, eventsA);
            Drain(b.Association, eventsB);
        });
        Assert.Contains(eventsB, e => e.Kind == SctpEventKind.IncomingStreamsReset && e.Streams!.SequenceEqual(new ushort[] { 4 }));
        a.Association.Send(4, 53, "two"u8);
        net.RunUntil(() => eventsB.Count(e => e.Kind == SctpEventKind.MessageReceived) == 2, TimeSpan.FromSeconds(10), () => Drain(b.Association, eventsB));
    }

    [Fact]
    public void Heartbeat_IdleAssociationStaysUp()
    {
        var (a, b) = CreatePair(71);
        var net = Connect(a, b, bothInitiate: false);
        var start = net.Now;
        net.RunUntil(() => net.Now > start + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        Assert.Equal(SctpAssociationState.Established, a.Association.State);
        Assert.Equal(SctpAssociationState.Established, b.Association.State);
    }

    [Fact]
    public void Streams_ServedRoundRobin_SmallMessageNotStuckBehindBacklog()
    {
        var (a, b) = CreatePair(91);
        var net = Connect(a, b, bothInitiate: false);
        for (var i = 0; i < 64; i++)
        {
            a.Association.Send(2, 53, new byte[32768]); // 2 MB backlog on the stream channel
        }

        a.Association.Send(0, 51, "command"u8);
        var order = new List<ushort>();
        net.RunUntil(() => order.Count == 65, TimeSpan.FromSeconds(60), () =>
        {
            while (b.Association.TryPollEvent(out var ev))
            {
                if (ev.Kind == SctpEventKind.MessageReceived)
                {
                    order.Add(ev.StreamId);
                }
            }
        });
        Assert.InRange(order.IndexOf(0), 0, 2);
    }

    [Fact]
    public void BufferedAmountLow_RaisedWhenDrained()
    {
        var (a, b) = CreatePair(81);
        var net = Connect(a, b, bothInitiate: false);
        a.Association.SetBufferedAmountLowThreshold(2, 1000);
        a.Association.Send(2, 53, new byte[50000]);
        Assert.Equal(50000, a.Association.GetBufferedAmount(2));
        var low = false;
        net.RunUntil(() => low, TimeSpan.FromSeconds(10), () =>
        {
            while (a.Association.TryPollEvent(out var ev))
            {
                low |= ev.Kind == SctpEventKind.BufferedAmountLow && ev.StreamId == 2;
            }
        });
        Assert.Equal(0, a.Association.GetBufferedAmount(2));
    }
}
