using CsCheck;
using EmsSharp.Protocols.Sctp;

namespace EmsSharp.Protocols.Tests.Sctp;

/// <summary>Hostile or broken packets against a live association: dropped or reported, never thrown.</summary>
public sealed class SctpInboundRobustnessTests
{
    private static (SctpAssociation A, SctpAssociation B, SimulatedNetwork Net) Established(int receiveWindow = 1024 * 1024, int maxMessageSize = 262144)
    {
        var a = new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = 5 }));
        var b = new AssociationPeer(new SctpAssociation(new SctpAssociationOptions { RandomSeed = 6, ReceiveWindow = receiveWindow, MaxMessageSize = maxMessageSize }));
        var net = new SimulatedNetwork(a, b, 1);
        a.Association.Connect(net.Now);
        net.RunUntil(() => a.Association.State == SctpAssociationState.Established && b.Association.State == SctpAssociationState.Established, TimeSpan.FromSeconds(10));
        while (b.Association.TryPollEvent(out _))
        {
        }

        return (a.Association, b.Association, net);
    }

    /// <summary>A packet from A to B with the right ports and tag, the given chunks and a valid CRC.</summary>
    private static byte[] PacketToB(SctpAssociation b, params byte[][] chunks)
    {
        var packet = new byte[12 + chunks.Sum(c => c.Length)];
        new SctpCommonHeader(5000, 5000, b.LocalVerificationTag, 0).TryWrite(packet, out _);
        var o = 12;
        foreach (var c in chunks)
        {
            c.CopyTo(packet, o);
            o += c.Length;
        }

        SctpPacket.WriteChecksum(packet);
        return packet;
    }

    private static byte[] Data(uint tsn, string text)
    {
        var payload = System.Text.Encoding.ASCII.GetBytes(text);
        var chunk = new byte[SctpChunk.Pad(16 + payload.Length)];
        new SctpDataChunk(3, tsn, 0, 0, 51, payload).TryWrite(chunk, out _);
        return chunk;
    }

    private static byte[] Fragment(uint tsn, byte flags, int length, ushort ssn = 0, ushort stream = 3)
    {
        var chunk = new byte[SctpChunk.Pad(16 + length)];
        new SctpDataChunk(flags, tsn, stream, ssn, 53, new byte[length]).TryWrite(chunk, out _);
        return chunk;
    }

    /// <summary>The SACK B sends next.</summary>
    private static SctpSackChunk NextSack(SctpAssociation b)
    {
        var buffer = new byte[1500];
        while (b.TryPollTransmit(buffer, TimeSpan.FromSeconds(2), out var length))
        {
            Assert.True(SctpPacket.TryRead(buffer.AsSpan(0, length), out var p, out _));
            var chunks = p.Chunks;
            while (SctpChunk.TryRead(chunks, out var chunk, out var consumed))
            {
                if (SctpSackChunk.TryRead(chunk, out var sack))
                {
                    return sack;
                }

                chunks = chunks[consumed..];
            }
        }

        throw new InvalidOperationException("no SACK");
    }

    private static uint FirstTsnOf(SctpAssociation a)
    {
        // A has not sent DATA yet, so its next TSN is its initial TSN, which B expects.
        var buffer = new byte[1500];
        a.Send(0, 51, "probe"u8);
        a.TryPollTransmit(buffer, TimeSpan.FromSeconds(2), out var length);
        Assert.True(SctpPacket.TryRead(buffer.AsSpan(0, length), out var p, out _));
        var chunks = p.Chunks;
        while (SctpChunk.TryRead(chunks, out var chunk, out var consumed))
        {
            if (SctpDataChunk.TryRead(chunk, out var data))
            {
                return data.Tsn;
            }

            chunks = chunks[consumed..];
        }

        throw new InvalidOperationException("no DATA");
    }

    [Theory]
    [InlineData(0x3F, false, false)] // 00: stop processing the packet, no report
    [InlineData(0x7F, false, true)]  // 01: stop, report in ERROR
    [InlineData(0xBF, true, false)]  // 10: skip the chunk, continue
    [InlineData(0xFF, true, true)]   // 11: skip, continue, report
    public void UnknownChunkType_UpperBitsDecideStopSkipReport(byte type, bool continues, bool reports)
    {
        var (a, b, _) = Established();
        var tsn = FirstTsnOf(a);
        var packet = PacketToB(b, [type, 0, 0, 8, 1, 2, 3, 4], Data(tsn, "hello"));
        Assert.True(b.HandleInbound(packet, TimeSpan.FromSeconds(2)));
        var delivered = b.TryPollEvent(out var ev) && ev.Kind == SctpEventKind.MessageReceived;
        Assert.Equal(continues, delivered);

        var buffer = new byte[1500];
        var sawError = false;
        while (b.TryPollTransmit(buffer, TimeSpan.FromSeconds(3), out var length))
        {
            SctpPacket.TryRead(buffer.AsSpan(0, length), out var p, out _);
            var chunks = p.Chunks;
            while (SctpChunk.TryRead(chunks, out var chunk, out var consumed))
            {
                sawError |= chunk.Type == (byte)SctpChunkType.Error && chunk.Value.Length >= 8 && chunk.Value[1] == (byte)SctpErrorCauseCode.UnrecognizedChunkType;
                chunks = chunks[consumed..];
            }
        }

        Assert.Equal(reports, sawError);
    }

    public static TheoryData<string, Func<SctpAssociation, byte[]>> BadPackets() => new()
    {
        { "bad CRC", b => { var p = PacketToB(b, [11, 0, 0, 4]); p[9] ^= 0x40; return p; } },
        { "wrong verification tag", b => { var p = PacketToB(b, [11, 0, 0, 4]); p[4] ^= 1; SctpPacket.WriteChecksum(p); return p; } },
        { "wrong destination port", b => { var p = PacketToB(b, [11, 0, 0, 4]); p[3] = 1; SctpPacket.WriteChecksum(p); return p; } },
        { "header only", b => { var p = new byte[12]; return p; } },
        { "chunk length past end", b => PacketToB(b, [3, 0, 0, 200, 0, 0, 0, 0]) },
        { "chunk length below 4", b => PacketToB(b, [3, 0, 0, 2, 0, 0, 0, 0]) },
        { "truncated SACK", b => PacketToB(b, [3, 0, 0, 8, 0, 0, 0, 0]) },
        { "SACK with lying counts", b => PacketToB(b, [3, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 9]) },
        { "INIT bundled with another chunk", b => PacketToB(b, [1, 0, 0, 20, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1], [11, 0, 0, 4]) },
        { "RE-CONFIG with truncated parameter", b => PacketToB(b, [130, 0, 0, 12, 0, 13, 0, 40, 0, 0, 0, 0]) },
        { "FORWARD TSN with odd length", b => PacketToB(b, [192, 0, 0, 10, 0, 0, 0, 1, 0, 1, 0, 0]) },
    };

    [Theory]
    [MemberData(nameof(BadPackets))]
    public void BadPackets_AreDroppedWithoutThrowing(string name, Func<SctpAssociation, byte[]> build)
    {
        Assert.NotNull(name);
        var (_, b, _) = Established();
        Assert.False(b.HandleInbound(build(b), TimeSpan.FromSeconds(2)));
        Assert.Equal(SctpAssociationState.Established, b.State);
    }

    [Fact]
    public void HostileSack_OverlappingHugeGapBlocks_ProcessedCheaply()
    {
        var (a, b, _) = Established();
        for (var i = 0; i < 100; i++)
        {
            b.Send(0, 53, new byte[1000]);
        }

        var buffer = new byte[1500];
        uint? firstTsn = null;
        while (b.TryPollTransmit(buffer, TimeSpan.FromSeconds(2), out var length))
        {
            SctpPacket.TryRead(buffer.AsSpan(0, length), out var p, out _);
            if (SctpChunk.TryRead(p.Chunks, out var chunk, out _) && SctpDataChunk.TryRead(chunk, out var data))
            {
                firstTsn ??= data.Tsn;
            }
        }

        // 1,000 blocks each claiming offsets 1..65535 above B's first TSN.
        Assert.NotNull(a);
        var blocks = Enumerable.Repeat(new SctpGapAckBlock(1, 65535), 1000).ToArray();
        var sack = new byte[SctpSackChunk.GetSerializedLength(blocks.Length, 0)];
        SctpSackChunk.TryWrite(sack, firstTsn!.Value, 100000, blocks, [], out _);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(b.HandleInbound(PacketToB(b, sack), TimeSpan.FromSeconds(3)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal(SctpAssociationState.Established, b.State);
    }

    [Fact]
    public void DataBeyondTheTsnWindow_IsDroppedCountedAndNotAcked()
    {
        // 64 KiB of window at 64 bytes of bookkeeping a chunk: 1024 TSNs past the cumulative TSN.
        var (a, b, _) = Established(receiveWindow: 65536, maxMessageSize: 32768);
        var tsn = FirstTsnOf(a);
        var cumulative = tsn - 1;
        Assert.True(b.HandleInbound(PacketToB(b, Data(cumulative + 1025, "far")), TimeSpan.FromSeconds(2)));
        Assert.Equal(1, b.Statistics.DataChunksDropped);
        var sack = NextSack(b);
        Assert.Equal(cumulative, sack.CumulativeTsnAck);
        Assert.Equal(0, sack.GapBlockCount);

        Assert.True(b.HandleInbound(PacketToB(b, Data(cumulative + 1024, "edge")), TimeSpan.FromSeconds(2)));
        Assert.Equal(1, b.Statistics.DataChunksDropped);
        sack = NextSack(b);
        Assert.Equal(1, sack.GapBlockCount);
        Assert.Equal(new SctpGapAckBlock(1024, 1024), sack.GetGapBlock(0));
    }

    [Fact]
    public void HeldFragments_AreBoundedByTheReceiveWindowInBytes()
    {
        var (a, b, _) = Established(receiveWindow: 65536, maxMessageSize: 32768);
        var tsn = FirstTsnOf(a);
        // Middle fragments that never complete (alternate streams: no run grows over max-message-size), past a
        // gap at the first TSN: held until the window is full.
        for (uint i = 1; i < 1000; i++)
        {
            b.HandleInbound(PacketToB(b, Fragment(tsn + i, 0, 1000, stream: (ushort)(3 + (i % 2)))), TimeSpan.FromSeconds(2));
        }

        Assert.InRange(b.ReceiveBufferedBytes, 60000, 65536);
        Assert.Equal(999 - (65536 / 1064), b.Statistics.DataChunksDropped);
        Assert.InRange(NextSack(b).ARwnd, 0u, 1063u);
        Assert.Equal(SctpAssociationState.Established, b.State);
    }

    [Fact]
    public void GapFills_PastAFullWindow_AreHeldUpToTwiceTheWindowOnly()
    {
        var (a, b, _) = Established(receiveWindow: 65536, maxMessageSize: 32768);
        var tsn = FirstTsnOf(a);
        // The highest TSN first, then the gaps below it: those may pass the full window (else nothing could complete),
        // up to twice the window; alternate streams keep every fragment its own run.
        b.HandleInbound(PacketToB(b, Fragment(tsn + 1000, 0, 1000, stream: 5)), TimeSpan.FromSeconds(2));
        for (uint i = 1; i < 1000; i++)
        {
            b.HandleInbound(PacketToB(b, Fragment(tsn + i, 0, 1000, stream: (ushort)(3 + (i % 2)))), TimeSpan.FromSeconds(2));
        }

        Assert.Equal(131072 / 1064, 1000 - b.Statistics.DataChunksDropped);
        Assert.InRange(b.ReceiveBufferedBytes, 131072 - 1064, 131072);
        Assert.Equal(SctpAssociationState.Established, b.State);
    }

    /// <summary>Feeds one message of <paramref name="fragments"/> 4-byte fragments in the given order; checks it and returns the time taken.</summary>
    private static void Reassemble(int fragments, string order)
    {
        var (a, b, _) = Established(receiveWindow: 4 * 1024 * 1024);
        var tsn = FirstTsnOf(a);
        var indexes = Enumerable.Range(0, fragments).ToArray();
        if (order == "reverse")
        {
            Array.Reverse(indexes);
        }
        else if (order == "shuffled")
        {
            new Random(7).Shuffle(indexes);
        }

        var packets = indexes.Select(i =>
        {
            var flags = (byte)((i == 0 ? SctpDataChunk.BeginningFlag : 0) | (i == fragments - 1 ? SctpDataChunk.EndingFlag : 0));
            var chunk = new byte[20];
            new SctpDataChunk(flags, tsn + (uint)i, 3, 0, 53, [(byte)i, (byte)(i >> 8), (byte)(i >> 16), 0]).TryWrite(chunk, out _);
            return PacketToB(b, chunk);
        }).ToList();
        foreach (var packet in packets)
        {
            Assert.True(b.HandleInbound(packet, TimeSpan.FromSeconds(2)));
        }

        Assert.True(b.TryPollEvent(out var ev));
        Assert.Equal(SctpEventKind.MessageReceived, ev.Kind);
        Assert.Equal(4 * fragments, ev.Data!.Length);
        for (var i = 0; i < fragments; i++)
        {
            Assert.Equal((byte)(i >> 8), ev.Data[(4 * i) + 1]);
        }

        Assert.Equal(0, b.ReceiveBufferedBytes);
    }

    /// <summary>
    /// 30,000 fragments of one message in any order reassemble byte for byte and free everything they held. The join is
    /// constant time per fragment by construction (<c>JoinAndAssemble</c>: each run keeps its other end); speed is the
    /// benchmarks' business, not a unit test's.
    /// </summary>
    [Theory]
    [InlineData("forward")]
    [InlineData("reverse")]
    [InlineData("shuffled")]
    public void Reassembly_OfManyFragmentsInAnyOrder_IsExact(string order) => Reassemble(30000, order);

    [Fact]
    public void IncompleteMessage_OverMaxMessageSize_AbortsBeforeItsEnd()
    {
        var (a, b, _) = Established(maxMessageSize: 4000);
        var tsn = FirstTsnOf(a);
        b.HandleInbound(PacketToB(b, Fragment(tsn, SctpDataChunk.BeginningFlag, 1000)), TimeSpan.FromSeconds(2));
        b.HandleInbound(PacketToB(b, Fragment(tsn + 2, 0, 1000)), TimeSpan.FromSeconds(2));
        b.HandleInbound(PacketToB(b, Fragment(tsn + 3, 0, 1000)), TimeSpan.FromSeconds(2));
        Assert.Equal(SctpAssociationState.Established, b.State);
        b.HandleInbound(PacketToB(b, Fragment(tsn + 1, 0, 1001)), TimeSpan.FromSeconds(2)); // joins both runs: 4001 bytes, no end yet
        Assert.Equal(SctpAssociationState.Closed, b.State);
    }

    [Fact]
    public void ForwardTsn_DropsHeldContinuationOfTheAbandonedMessage()
    {
        var (a, b, _) = Established();
        var tsn = FirstTsnOf(a);
        b.HandleInbound(PacketToB(b, Fragment(tsn + 1, 0, 100)), TimeSpan.FromSeconds(2));
        b.HandleInbound(PacketToB(b, Fragment(tsn + 2, SctpDataChunk.EndingFlag, 100)), TimeSpan.FromSeconds(2));
        b.HandleInbound(PacketToB(b, Fragment(tsn + 3, SctpDataChunk.BeginningFlag | SctpDataChunk.EndingFlag, 10, ssn: 1)), TimeSpan.FromSeconds(2));
        Assert.True(b.ReceiveBufferedBytes > 200);
        var forward = new byte[12];
        SctpChunk.WriteHeader(forward, (byte)SctpChunkType.ForwardTsn, 0, 12);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(forward.AsSpan(4), tsn);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(forward.AsSpan(8), 3);
        Assert.True(b.HandleInbound(PacketToB(b, forward), TimeSpan.FromSeconds(2)));
        Assert.Equal(0, b.ReceiveBufferedBytes);
        Assert.True(b.TryPollEvent(out var ev));
        Assert.Equal(10, ev.Data!.Length);
        Assert.Equal(tsn + 3, NextSack(b).CumulativeTsnAck);
    }

    [Fact]
    public void DataWithoutUserData_AbortsWithNoUserDataCause()
    {
        var (_, b, _) = Established();
        b.HandleInbound(PacketToB(b, [0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 51]), TimeSpan.FromSeconds(2));
        Assert.Equal(SctpAssociationState.Closed, b.State);
    }

    [Fact]
    public void ForgedCookieEcho_IsIgnored()
    {
        var (_, b, _) = Established();
        var cookie = new byte[4 + SctpStateCookie.Length];
        SctpChunk.WriteHeader(cookie, (byte)SctpChunkType.CookieEcho, 0, cookie.Length);
        Assert.True(b.HandleInbound(PacketToB(b, cookie), TimeSpan.FromSeconds(2)));
        Assert.False(b.TryPollTransmit(new byte[1500], TimeSpan.FromSeconds(2), out _));
    }

    /// <summary>Chunk streams from a seeded generator, with a valid header and CRC so they reach the chunk handlers.</summary>
    private static void FeedRandomChunks(SctpAssociation b, Random random, int packets)
    {
        var buffer = new byte[1500];
        for (var i = 0; i < packets; i++)
        {
            var body = new byte[random.Next(4, 200)];
            random.NextBytes(body);
            // Bias toward real chunk types and plausible lengths.
            byte[] types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 130, 192, 0x3F, 0xFF];
            body[0] = types[random.Next(types.Length)];
            if (random.Next(2) == 0)
            {
                body[2] = 0;
                body[3] = (byte)Math.Min(body.Length, random.Next(4, 200));
            }

            b.HandleInbound(PacketToB(b, body), TimeSpan.FromSeconds(2 + i));
            while (b.TryPollTransmit(buffer, TimeSpan.FromSeconds(2 + i), out _))
            {
            }

            while (b.TryPollEvent(out _))
            {
            }

            b.HandleTimeout(TimeSpan.FromSeconds(2 + i));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(1234)]
    public void RandomChunks_SeededReplay_NeverThrow(int seed)
    {
        var (_, b, _) = Established();
        FeedRandomChunks(b, new Random(seed), 300);
    }

    [Fact]
    public void PacketParser_CsCheckFuzz_NeverThrows()
    {
        // Raw bytes through every parser; CsCheck prints a seed on failure, to be pinned in the table above.
        Gen.Byte.Array[0, 400].Sample(bytes =>
        {
            SctpPacket.TryRead(bytes, out _, out _);
            var unrecognized = new byte[64];
            var chunks = bytes.AsSpan();
            while (SctpChunk.TryRead(chunks, out var chunk, out var consumed) && consumed > 0)
            {
                SctpDataChunk.TryRead(chunk, out _);
                if (SctpInitChunk.TryRead(chunk, out var init))
                {
                    init.TryReadParameters(out _, unrecognized, out _);
                }

                SctpSackChunk.TryRead(chunk, out _);
                SctpForwardTsnChunk.TryRead(chunk, out _);
                if (SctpParameter.TryRead(chunk.Value, out var parameter, out _))
                {
                    SctpStreamResetRequest.TryRead(parameter, out _);
                    SctpReConfigResponse.TryRead(parameter, out _);
                }

                chunks = chunks[consumed..];
            }
        }, iter: 5000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(99)]
    [InlineData(2026)]
    public void DataFragments_SeededReplay_StayWithinTheReceiveBoundsAndNeverThrow(int seed)
    {
        // Fragments with random flags, streams, SSNs and sizes around the cumulative TSN, and FORWARD TSNs: held bytes
        // never exceed twice the window, and whatever B receives it reassembles or aborts cleanly.
        const int window = 65536;
        var random = new Random(seed);
        var (a, b, _) = Established(receiveWindow: window, maxMessageSize: 32768);
        var tsn = FirstTsnOf(a);
        for (var i = 0; i < 3000 && b.State == SctpAssociationState.Established; i++)
        {
            var now = TimeSpan.FromSeconds(2 + (i / 100.0));
            if (random.Next(50) == 0)
            {
                var forward = new byte[8];
                SctpChunk.WriteHeader(forward, (byte)SctpChunkType.ForwardTsn, 0, 8);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(forward.AsSpan(4), tsn + (uint)random.Next(0, 64));
                b.HandleInbound(PacketToB(b, forward), now);
            }
            else
            {
                var at = tsn + (uint)random.Next(0, 1400);
                var flags = (byte)random.Next(0, 8);
                b.HandleInbound(PacketToB(b, Fragment(at, flags, random.Next(1, 1200), (ushort)random.Next(0, 4), (ushort)random.Next(0, 3))), now);
            }

            Assert.InRange(b.ReceiveBufferedBytes, 0, 2 * window);
            while (b.TryPollEvent(out var ev))
            {
                Assert.True(ev.Kind != SctpEventKind.MessageReceived || ev.Data!.Length <= 32768);
            }

            while (b.TryPollTransmit(new byte[1500], now, out _))
            {
            }

            if (random.Next(20) == 0)
            {
                tsn += (uint)random.Next(0, 200);
            }
        }
    }

    [Fact]
    public void Association_CsCheckFuzz_NeverThrows()
    {
        Gen.Int.Sample(seed =>
        {
            var (_, b, _) = Established();
            FeedRandomChunks(b, new Random(seed), 20);
        }, iter: 30);
    }
}
