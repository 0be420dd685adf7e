using System.Text;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Sctp;
using EmsSharp.Protocols.Tests.Sctp;

namespace EmsSharp.Protocols.Tests.DataChannels;

public sealed class DataChannelManagerTests
{
    private sealed class Pair
    {
        public Pair(int seed = 1, int remoteMax = 262144, double loss = 0, TimeSpan jitter = default, int maxPeerChannels = 16, int maxMessageSize = 262144)
        {
            Client = new DataChannelManager(new DataChannelManagerOptions
            {
                IsDtlsClient = true,
                RemoteMaxMessageSize = remoteMax,
                Association = new SctpAssociationOptions { RandomSeed = seed },
            });
            Server = new DataChannelManager(new DataChannelManagerOptions
            {
                IsDtlsClient = false,
                RemoteMaxMessageSize = remoteMax,
                MaxPeerChannels = maxPeerChannels,
                Association = new SctpAssociationOptions { RandomSeed = seed + 100, MaxMessageSize = maxMessageSize },
            });
            Net = new SimulatedNetwork(new ManagerPeer(Client), new ManagerPeer(Server), seed) { Loss = loss, Jitter = jitter };
        }

        public DataChannelManager Client { get; }

        public DataChannelManager Server { get; }

        public SimulatedNetwork Net { get; }

        public List<DataChannelEvent> ClientEvents { get; } = [];

        public List<DataChannelEvent> ServerEvents { get; } = [];

        public void Start()
        {
            Client.Start(Net.Now);
            Server.Start(Net.Now);
            Run(() => ClientEvents.Exists(e => e.Kind == DataChannelEventKind.Connected) && ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Connected));
        }

        public void Run(Func<bool> done, double seconds = 60) => Net.RunUntil(done, TimeSpan.FromSeconds(seconds), Drain);

        private void Drain()
        {
            while (Client.TryPollEvent(out var e))
            {
                ClientEvents.Add(e);
            }

            while (Server.TryPollEvent(out var e))
            {
                ServerEvents.Add(e);
            }
        }
    }

    [Fact]
    public void OpenChannel_BeforeConnect_DcepOpenAckAndEvenIdForDtlsClient()
    {
        var pair = new Pair();
        var command = pair.Client.OpenChannel("emsCommandChannel");
        var stream = pair.Client.OpenChannel("emsStreamChannel");
        Assert.Equal(DataChannelState.Connecting, command.State);
        pair.Start();
        pair.Run(() => command.State == DataChannelState.Open && stream.State == DataChannelState.Open);
        Assert.Equal((ushort)0, command.Id);
        Assert.Equal((ushort)2, stream.Id);
        var opened = pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.ChannelOpenedByPeer).Select(e => e.Channel!).ToList();
        Assert.Equal(["emsCommandChannel", "emsStreamChannel"], opened.Select(c => c.Label));
        Assert.All(opened, c => Assert.Equal(DataChannelState.Open, c.State));

        var serverChannel = pair.Server.OpenChannel("fromServer");
        Assert.Equal(1, serverChannel.Id % 2);
        pair.Run(() => serverChannel.State == DataChannelState.Open);
    }

    [Fact]
    public void Messages_TextBinaryAndEmpty_RoundTripWithTheirPpids()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open);
        channel.SendText("{\"type\":\"fmp4Request\",\"payload\":{\"name\":\"cam\"}}");
        channel.Send([1, 2, 3]);
        channel.SendText("");
        channel.Send([]);
        pair.Run(() => pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.Message) == 4);
        var messages = pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.Message).ToList();
        Assert.True(messages[0].IsText);
        Assert.Equal("{\"type\":\"fmp4Request\",\"payload\":{\"name\":\"cam\"}}", messages[0].Text);
        Assert.False(messages[1].IsText);
        Assert.Equal(new byte[] { 1, 2, 3 }, messages[1].Data);
        Assert.True(messages[2].IsText);
        Assert.Empty(messages[2].Data!);
        Assert.False(messages[3].IsText);
        Assert.Empty(messages[3].Data!);
    }

    [Fact]
    public void DeprecatedPartialPpids_AreAssembledOnReceive()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open);
        pair.Client.Association.Send(channel.Id, 52, "hel"u8);
        pair.Client.Association.Send(channel.Id, 52, "lo "u8);
        pair.Client.Association.Send(channel.Id, 51, "world"u8);
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Message));
        Assert.Equal("hello world", Assert.Single(pair.ServerEvents, e => e.Kind == DataChannelEventKind.Message).Text);
    }

    [Fact]
    public void DeprecatedPartialPpids_OverMaxMessageSize_DroppedCountedAndNextMessageDelivered()
    {
        var pair = new Pair(maxMessageSize: 1000);
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open);
        var part = new byte[400];
        for (var i = 0; i < 5; i++)
        {
            pair.Client.Association.Send(channel.Id, 54, part); // 2000 bytes of partial message, over the 1000 limit
        }

        pair.Client.Association.Send(channel.Id, 53, part); // its final part: dropped with the rest
        pair.Client.Association.Send(channel.Id, 52, "at "u8);
        pair.Client.Association.Send(channel.Id, 51, "limit"u8);
        pair.Client.Association.Send(channel.Id, 52, new byte[600]);
        pair.Client.Association.Send(channel.Id, 51, new byte[400]); // exactly 1000: delivered
        pair.Run(() => pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.Message) == 2);
        var messages = pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("at limit", messages[0].Text);
        Assert.Equal(1000, messages[1].Data!.Length);
        Assert.Equal(1, pair.Server.Statistics.OversizedMessagesDropped);
        Assert.Equal(SctpAssociationState.Established, pair.Server.Association.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void DcepAndPartialPpids_SeededReplay_StayWithinTheLimitsAndNeverThrow(int seed)
    {
        // Six valid OPENs (over the cap of 4), then valid, mutated and random DCEP messages and every PPID with random
        // sizes and streams straight into the client's association: the server never throws, holds at most its peer-channel cap, delivers nothing over
        // its max-message-size and keeps the association up.
        const int maxMessage = 4096;
        var pair = new Pair(seed: seed, maxPeerChannels: 4, maxMessageSize: maxMessage);
        pair.Start();
        var random = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            var stream = (ushort)((random.Next(0, 10) * 2) + (random.Next(8) == 0 ? 1 : 0));
            var ppid = i < 6 ? DataChannelPpid.Dcep : (uint)random.Next(49, 59);
            byte[] payload;
            if (i < 6)
            {
                stream = (ushort)(2 * i);
                var open = new DataChannelOpenMessage(DataChannelType.Reliable, 0, 0, "first" + i, "");
                payload = new byte[open.GetSerializedLength()];
                open.TryWrite(payload, out _);
            }
            else if (ppid == DataChannelPpid.Dcep && random.Next(3) != 0)
            {
                var open = new DataChannelOpenMessage((DataChannelType)(random.Next(2) == 0 ? 0 : random.Next(256)), 0,
                    (uint)random.Next(), "label" + i, random.Next(4) == 0 ? "proto" : "");
                payload = new byte[open.GetSerializedLength()];
                open.TryWrite(payload, out _);
                if (random.Next(3) == 0)
                {
                    payload[random.Next(payload.Length)] = (byte)random.Next(256);
                }
            }
            else
            {
                payload = new byte[random.Next(1, maxMessage)];
                random.NextBytes(payload);
            }

            pair.Client.Association.Send(stream, ppid, payload);
            if (i % 25 == 0)
            {
                var until = pair.Net.Now + TimeSpan.FromSeconds(1);
                pair.Run(() => pair.Net.Now > until);
                Assert.InRange(pair.Server.Channels.Values.Count(c => c.Id % 2 == 0), 0, 4);
            }
        }

        var end = pair.Net.Now + TimeSpan.FromSeconds(5);
        pair.Run(() => pair.Net.Now > end);
        Assert.Equal(SctpAssociationState.Established, pair.Server.Association.State);
        Assert.InRange(pair.Server.Channels.Values.Count(c => c.Id % 2 == 0), 0, 4);
        Assert.All(pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.Message), e => Assert.InRange(e.Data!.Length, 0, maxMessage));
        Assert.Equal(pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.ChannelRefused), pair.Server.Statistics.PeerChannelsRefused);
        Assert.True(pair.Server.Statistics.PeerChannelsRefused > 0, "the corpus reaches the channel cap");
        Assert.True(pair.Server.Statistics.OversizedMessagesDropped > 0, "the corpus reaches the partial-message limit");
    }

    [Fact]
    public void PeerOpenedChannels_OverTheCap_RefusedByStreamResetCountedAndReported()
    {
        var pair = new Pair(maxPeerChannels: 3);
        pair.Start();
        var channels = Enumerable.Range(0, 5).Select(i => pair.Client.OpenChannel("ch" + i)).ToList();
        pair.Run(() => pair.Server.Statistics.PeerChannelsRefused == 2 && channels.Count(c => c.State == DataChannelState.Closed) == 2);
        Assert.Equal(3, pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.ChannelOpenedByPeer));
        var refused = pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.ChannelRefused).ToList();
        Assert.Equal(2, refused.Count);
        Assert.Contains("ch3", refused[0].Reason, StringComparison.Ordinal);
        Assert.Equal(3, pair.Server.Channels.Count);
        Assert.Equal(["ch3", "ch4"], channels.Where(c => c.State == DataChannelState.Closed).Select(c => c.Label));

        // Closing one frees a place for the next OPEN.
        channels[0].Close();
        pair.Run(() => channels[0].State == DataChannelState.Closed && pair.Server.Channels.Count == 2);
        var again = pair.Client.OpenChannel("again");
        pair.Run(() => again.State == DataChannelState.Open && pair.Server.Channels.Count == 3);
        Assert.Equal(2, pair.Server.Statistics.PeerChannelsRefused);
    }

    [Fact]
    public void MaxMessageSize_UpToLimitDelivered_OverLimitRejectedClearly()
    {
        var pair = new Pair(remoteMax: 262144);
        pair.Start();
        var channel = pair.Client.OpenChannel("big");
        pair.Run(() => channel.State == DataChannelState.Open);
        var message = new byte[262144];
        new Random(2).NextBytes(message);
        channel.Send(message);
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Message));
        Assert.Equal(message, pair.ServerEvents.Single(e => e.Kind == DataChannelEventKind.Message).Data);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => channel.Send(new byte[262145]));
        Assert.Contains("max-message-size of 262144", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => channel.SendText(new string('x', 262145)));
    }

    [Fact]
    public void OneThousandChannels_OpenAndCloseCleanly()
    {
        var pair = new Pair(seed: 3, maxPeerChannels: 1000);
        pair.Start();
        var channels = new List<DataChannel>();
        for (var i = 0; i < 1000; i++)
        {
            channels.Add(pair.Client.OpenChannel("ch" + i));
        }

        pair.Run(() => channels.TrueForAll(c => c.State == DataChannelState.Open), 120);
        Assert.Equal(1000, pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.ChannelOpenedByPeer));
        Assert.Equal(1000, channels.Select(c => c.Id).Distinct().Count());
        Assert.All(channels, c => Assert.Equal(0, c.Id % 2));
        foreach (var c in channels)
        {
            c.SendText(c.Label);
            c.Close();
        }

        pair.Run(() => pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.ChannelClosed) == 1000
            && pair.ClientEvents.Count(e => e.Kind == DataChannelEventKind.ChannelClosed) == 1000, 300);
        Assert.Equal(1000, pair.ServerEvents.Count(e => e.Kind == DataChannelEventKind.Message));
        Assert.Empty(pair.Client.Channels);
        Assert.Empty(pair.Server.Channels);
        Assert.All(channels, c => Assert.Equal(DataChannelState.Closed, c.State));
        Assert.Throws<InvalidOperationException>(() => channels[0].SendText("late"));

        // Stream ids are reusable after the reset: SSNs restart at 0 on both sides.
        var again = pair.Client.OpenChannel("again");
        pair.Run(() => again.State == DataChannelState.Open);
        again.SendText("still works");
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Message && e.Text == "still works"));
    }

    [Fact]
    public void PeerClose_ClosesOurSideToo()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open && pair.Server.Channels.Count == 1);
        pair.Server.Channels[channel.Id].Close();
        pair.Run(() => channel.State == DataChannelState.Closed && pair.Server.Channels.Count == 0);
        Assert.Contains(pair.ClientEvents, e => e.Kind == DataChannelEventKind.ChannelClosed && e.Channel == channel);
    }

    [Fact]
    public void NegotiatedChannels_OpenWithoutDcep()
    {
        var pair = new Pair();
        var a = pair.Client.OpenChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
        var b = pair.Server.OpenChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
        pair.Start();
        pair.Run(() => a.State == DataChannelState.Open && b.State == DataChannelState.Open);
        a.SendText("hi");
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Message));
        Assert.Same(b, pair.ServerEvents.Single(e => e.Kind == DataChannelEventKind.Message).Channel);
        Assert.DoesNotContain(pair.ServerEvents, e => e.Kind == DataChannelEventKind.ChannelOpenedByPeer);
        Assert.Throws<ArgumentException>(() => pair.Client.OpenChannel("dup", new DataChannelOptions { Negotiated = true, Id = 7 }));
    }

    [Fact]
    public void ChannelTypes_ArriveAtPeer()
    {
        var pair = new Pair();
        pair.Start();
        var unordered = pair.Client.OpenChannel("u", new DataChannelOptions { Ordered = false, MaxRetransmits = 0, Protocol = "p" });
        var timed = pair.Client.OpenChannel("t", new DataChannelOptions { MaxPacketLifeTime = TimeSpan.FromMilliseconds(500) });
        pair.Run(() => unordered.State == DataChannelState.Open && timed.State == DataChannelState.Open);
        var u = pair.Server.Channels[unordered.Id];
        var t = pair.Server.Channels[timed.Id];
        Assert.Equal((false, 0, "p"), (u.Ordered, u.MaxRetransmits!.Value, u.Protocol));
        Assert.Equal(DataChannelType.PartialReliableRexmitUnordered, unordered.ChannelType);
        Assert.Equal(TimeSpan.FromMilliseconds(500), t.MaxPacketLifeTime);
        Assert.True(t.Ordered);
    }

    [Fact]
    public void PartiallyReliableUnorderedChannel_UnderLoss_DropsButNeverDuplicates()
    {
        var pair = new Pair(seed: 9, loss: 0.15, jitter: TimeSpan.FromMilliseconds(20));
        pair.Start();
        var channel = pair.Client.OpenChannel("pr", new DataChannelOptions { Ordered = false, MaxRetransmits = 0 });
        pair.Run(() => channel.State == DataChannelState.Open, 120);
        for (var i = 0; i < 400; i++)
        {
            var payload = new byte[900];
            BitConverter.TryWriteBytes(payload, i);
            channel.Send(payload);
        }

        pair.Run(() => channel.BufferedAmount == 0, 120);
        var extra = pair.Net.Now + TimeSpan.FromSeconds(2);
        pair.Run(() => pair.Net.Now >= extra, 60);
        var got = pair.ServerEvents.Where(e => e.Kind == DataChannelEventKind.Message).Select(e => BitConverter.ToInt32(e.Data)).ToList();
        Assert.InRange(got.Count, 200, 399);
        Assert.Equal(got.Count, got.Distinct().Count());
    }

    [Fact]
    public void BufferedAmount_AndLowWaterMarkEvent()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open);
        Assert.DoesNotContain(pair.ClientEvents, e => e.Kind == DataChannelEventKind.BufferedAmountLow); // DCEP is not counted
        channel.BufferedAmountLowThreshold = 16 * 1024;
        for (var i = 0; i < 20; i++)
        {
            channel.Send(new byte[10000]);
        }

        Assert.Equal(200000, channel.BufferedAmount);
        pair.Run(() => pair.ClientEvents.Exists(e => e.Kind == DataChannelEventKind.BufferedAmountLow && e.Channel == channel));
        Assert.InRange(channel.BufferedAmount, 0, 16 * 1024);
    }

    [Fact]
    public void Shutdown_ClosesAllChannelsAndReportsDisconnected()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("c");
        pair.Run(() => channel.State == DataChannelState.Open);
        pair.Client.Shutdown();
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Disconnected)
            && pair.ClientEvents.Exists(e => e.Kind == DataChannelEventKind.Disconnected));
        Assert.Equal(DataChannelState.Closed, channel.State);
        Assert.Throws<InvalidOperationException>(() => pair.Client.OpenChannel("late"));
    }

    [Fact]
    public void StringMessages_Utf8RoundTrip()
    {
        var pair = new Pair();
        pair.Start();
        var channel = pair.Client.OpenChannel("ü");
        pair.Run(() => channel.State == DataChannelState.Open);
        channel.SendText("grüße 🎥");
        pair.Run(() => pair.ServerEvents.Exists(e => e.Kind == DataChannelEventKind.Message));
        var ev = pair.ServerEvents.Single(e => e.Kind == DataChannelEventKind.Message);
        Assert.Equal("grüße 🎥", ev.Text);
        Assert.Equal("ü", ev.Channel!.Label);
        Assert.Equal(Encoding.UTF8.GetBytes("grüße 🎥"), ev.Data);
    }
}
