using EmsSharp.Protocols.Rtcp;

namespace EmsSharp.Protocols.Tests.Rtcp;

public class RtcpPacketTests
{
    private static readonly RtcpReportBlock Block = new(0xAABBCCDD, 25, -3, 0x0001FFFF, 120, 0x12345678, 0x00010000);

    public static TheoryData<string, RtcpPacket> Packets => new()
    {
        { "SR", new RtcpSenderReport { Ssrc = 1, NtpTimestamp = 0xE1234567_89ABCDEF, RtpTimestamp = 90000, PacketCount = 10, OctetCount = 12000 } },
        { "SR+blocks", new RtcpSenderReport { Ssrc = 1, NtpTimestamp = 5, RtpTimestamp = 6, ReportBlocks = [Block, Block with { Ssrc = 2 }] } },
        { "RR", new RtcpReceiverReport { Ssrc = 7 } },
        { "RR+block", new RtcpReceiverReport { Ssrc = 7, ReportBlocks = [Block] } },
        { "SDES", new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(9, "abc"), new RtcpSdesChunk(10, "0123456789")] } },
        { "SDES empty cname", new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(9, "")] } },
        { "BYE", new RtcpBye { Ssrcs = [1, 2] } },
        { "BYE+reason", new RtcpBye { Ssrcs = [1], Reason = "shutdown" } },
        { "NACK", RtcpGenericNack.FromSequenceNumbers(1, 2, [100, 101, 116, 117, 65535, 3]) },
        { "PLI", new RtcpPictureLossIndication { SenderSsrc = 1, MediaSsrc = 2 } },
        { "FIR", new RtcpFullIntraRequest { SenderSsrc = 1, Entries = [new RtcpFirEntry(2, 7), new RtcpFirEntry(3, 8)] } },
        { "REMB", new RtcpRemb { SenderSsrc = 1, Bitrate = 1_500_000, Ssrcs = [2, 3] } },
        {
            "TWCC", new RtcpTransportFeedback
            {
                SenderSsrc = 1, MediaSsrc = 2, ReferenceTime = -5, FeedbackPacketCount = 3,
                Packets =
                [
                    new(65534, RtcpTransportPacketState.SmallDelta, 4),
                    new(65535, RtcpTransportPacketState.NotReceived, 0),
                    new(0, RtcpTransportPacketState.LargeDelta, -100),
                    new(1, RtcpTransportPacketState.SmallDelta, 255),
                    new(2, RtcpTransportPacketState.SmallDelta, 0),
                    new(3, RtcpTransportPacketState.NotReceived, 0),
                    new(4, RtcpTransportPacketState.LargeDelta, 1000),
                    new(5, RtcpTransportPacketState.SmallDelta, 1),
                ],
            }
        },
        { "APP (unknown)", new RtcpUnknownPacket { Data = Convert.FromHexString("80CC0002000000014142434400000000"[..24]) } },
    };

    [Theory]
    [MemberData(nameof(Packets))]
    public void WriteReadWrite_RoundTrips(string name, RtcpPacket packet)
    {
        var buffer = new byte[packet.GetSerializedLength()];
        Assert.True(packet.TryWrite(buffer, out int written), name);
        Assert.Equal(buffer.Length, written);
        Assert.Equal(0, written % 4);

        Assert.True(RtcpCompoundPacket.TryReadOne(buffer, out var parsed, out int consumed), name);
        Assert.Equal(written, consumed);
        Assert.IsType(packet.GetType(), parsed);
        var again = new byte[parsed.GetSerializedLength()];
        Assert.True(parsed.TryWrite(again, out _));
        Assert.Equal(buffer, again);
        Assert.False(packet.TryWrite(new byte[written - 1], out _));
    }

    [Theory]
    [MemberData(nameof(Packets))]
    public void EveryTruncation_IsRejectedWithoutThrowing(string name, RtcpPacket packet)
    {
        var buffer = new byte[packet.GetSerializedLength()];
        Assert.True(packet.TryWrite(buffer, out _));
        for (int length = 0; length < buffer.Length; length++)
        {
            Assert.False(RtcpCompoundPacket.TryReadOne(buffer.AsSpan(0, length), out _, out _), $"{name} cut at {length}");
        }
    }

    [Fact]
    public void ParsedFieldsMatch()
    {
        var twcc = (RtcpTransportFeedback)Packets.First(p => (string)p[0] == "TWCC")[1];
        var buffer = new byte[twcc.GetSerializedLength()];
        twcc.TryWrite(buffer, out _);
        Assert.True(RtcpTransportFeedback.TryRead(buffer, out var parsed, out _));
        Assert.Equal(twcc.Packets, parsed.Packets);
        Assert.Equal(-5, parsed.ReferenceTime);

        var sr = new RtcpSenderReport { Ssrc = 1, NtpTimestamp = 2, RtpTimestamp = 3, ReportBlocks = [Block] };
        buffer = new byte[sr.GetSerializedLength()];
        sr.TryWrite(buffer, out _);
        Assert.True(RtcpSenderReport.TryRead(buffer, out var parsedSr, out _));
        Assert.Equal(Block, parsedSr.ReportBlocks[0]);

        var remb = new RtcpRemb { Bitrate = 1_500_000, Ssrcs = [2] };
        buffer = new byte[remb.GetSerializedLength()];
        remb.TryWrite(buffer, out _);
        Assert.True(RtcpRemb.TryRead(buffer, out var parsedRemb, out _));
        Assert.InRange(parsedRemb.Bitrate, 1_499_990ul, 1_500_000ul);
    }

    [Fact]
    public void Nack_ExpandsToTheSequenceNumbers()
    {
        ushort[] lost = [100, 101, 116, 117, 65535, 3];
        var nack = RtcpGenericNack.FromSequenceNumbers(1, 2, lost);
        Assert.Equal(3, nack.Items.Length); // 100(+1,+16) | 117 | 65535(+4)
        Assert.Equal(6, nack.LostCount);
        var output = new ushort[10];
        int n = nack.CopyLostSequenceNumbers(output);
        Assert.Equal(lost, output[..n]);
    }

    [Fact]
    public void TwccRunLengthAndOneBitChunks_Parse()
    {
        // base 10, count 20: run-length chunk of 16 "small delta", then a one-bit vector chunk (4 used: 1,0,1,0).
        var fci = Convert.FromHexString("000A0014" + "00000105" + "2010" + "A800" + string.Concat(Enumerable.Repeat("01", 18)) + "0000");
        var packet = new byte[12 + fci.Length];
        Assert.True(new RtcpHeader(false, 15, 205, packet.Length).TryWrite(packet, out _));
        fci.CopyTo(packet, 12);

        Assert.True(RtcpTransportFeedback.TryRead(packet, out var twcc, out _));

        Assert.Equal(20, twcc.Packets.Length);
        Assert.Equal(10, twcc.Packets[0].SequenceNumber);
        Assert.Equal(5, twcc.FeedbackPacketCount);
        Assert.Equal(1, twcc.ReferenceTime);
        Assert.All(twcc.Packets[..16], p => Assert.Equal(RtcpTransportPacketState.SmallDelta, p.State));
        Assert.Equal(RtcpTransportPacketState.NotReceived, twcc.Packets[17].State);
        Assert.Equal(RtcpTransportPacketState.SmallDelta, twcc.Packets[18].State);
    }

    [Fact]
    public void Compound_RoundTrips()
    {
        var compound = new RtcpCompoundPacket
        {
            Packets =
            [
                new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [Block] },
                new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(1, "x")] },
                new RtcpPictureLossIndication { SenderSsrc = 1, MediaSsrc = 2 },
            ],
        };
        var buffer = new byte[compound.GetSerializedLength()];
        Assert.True(compound.TryWrite(buffer, out int written));
        Assert.True(RtcpCompoundPacket.TryRead(buffer, out var parsed, out int consumed));
        Assert.Equal(written, consumed);
        Assert.Equal(3, parsed.Packets.Count);
        Assert.IsType<RtcpPictureLossIndication>(parsed.Packets[2]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("40C80000")] // version 1
    [InlineData("80C80001000000")] // length beyond data
    [InlineData("81C8000100000001")] // SR shorter than its fixed part
    [InlineData("81C900010000000100000000")] // RR count 1 without block (length covers 8 bytes only)
    [InlineData("81CA0001000000010100")] // SDES item beyond packet
    [InlineData("81CA000100000001")] // SDES without terminator
    [InlineData("82CB000100000001")] // BYE count 2, one SSRC
    [InlineData("81CB00010000000105")] // BYE reason beyond packet (declared length 8)
    [InlineData("81CD00020000000100000002")] // NACK without FCI
    [InlineData("84CE00020000000100000000")] // FIR without FCI
    [InlineData("8FCD0004000000010000000200000001000000")] // TWCC too short
    [InlineData("8FCD000500000001000000020000FFFF00000000")] // TWCC count above maximum
    [InlineData("8FCD0005000000010000000200000002000000006000")] // TWCC reserved symbol
    [InlineData("80C80000" + "80C9")] // compound with a truncated second packet
    public void Malformed_RejectedWithoutThrowing(string hex)
    {
        Assert.False(RtcpCompoundPacket.TryRead(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void ReportBlock_CumulativeLostIsClampedTo24BitsSigned()
    {
        var buffer = new byte[24];
        Assert.True((Block with { CumulativeLost = 10_000_000 }).TryWrite(buffer, out _));
        Assert.True(RtcpReportBlock.TryRead(buffer, out var parsed, out _));
        Assert.Equal(0x7FFFFF, parsed.CumulativeLost);
    }

    [Fact]
    public void IsRtcp_UsesThePacketTypeRange()
    {
        Assert.True(RtcpPacketType.IsRtcp([0x80, 200]));
        Assert.False(RtcpPacketType.IsRtcp([0x80, 96]));
        Assert.False(RtcpPacketType.IsRtcp([0x80, 0xE0])); // marker + PT 96
        Assert.False(RtcpPacketType.IsRtcp([0x80]));
    }

    [Fact]
    public void NtpTimestamp_RoundTripsAndCompacts()
    {
        var time = new DateTimeOffset(2026, 11, 24, 21, 0, 0, 500, TimeSpan.Zero);
        ulong ntp = NtpTimestamp.FromDateTimeOffset(time);
        Assert.Equal(0x8000_0000u, (uint)ntp); // half a second
        Assert.Equal(time, NtpTimestamp.ToDateTimeOffset(ntp));
        Assert.Equal((uint)(ntp >> 16), NtpTimestamp.ToCompact(ntp));
    }

    [Fact]
    public void SenderReportBuilder_ExtrapolatesFromLastPacket()
    {
        var builder = new RtcpSenderReportBuilder(5, 48000);
        Assert.False(builder.HasSent);
        builder.OnPacketSent(uint.MaxValue - 100, 50, TimeSpan.FromSeconds(1));
        builder.OnPacketSent(uint.MaxValue - 10, 70, TimeSpan.FromSeconds(2));
        var sr = builder.Build(TimeSpan.FromMilliseconds(2010), DateTimeOffset.UnixEpoch);
        Assert.Equal(unchecked(uint.MaxValue - 10 + 480u), sr.RtpTimestamp);
        Assert.Equal(2u, sr.PacketCount);
        Assert.Equal(120u, sr.OctetCount);
    }
}
