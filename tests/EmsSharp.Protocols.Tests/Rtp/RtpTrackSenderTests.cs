using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Tests.Shared;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpTrackSenderTests
{
    private static (SrtpContext Local, SrtpContext Remote) Contexts(ushort profile)
    {
        var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(profile)];
        new Random(1).NextBytes(material);
        Assert.True(SrtpContextFactory.TryCreate(profile, material, true, out var local, out _));
        Assert.True(SrtpContextFactory.TryCreate(profile, material, false, out _, out var remote));
        return (local, remote);
    }

    private static RtpTrackSenderOptions Options(bool rtx = false) => new()
    {
        Ssrc = 0x1234,
        PayloadType = 96,
        ClockRate = 90000,
        Cname = "viewer-cname",
        InitialSequenceNumber = 65534,
        TimestampOffset = 1000,
        Mid = "0",
        MidExtensionId = 4,
        AbsSendTimeExtensionId = 2,
        TransportSequenceExtensionId = 3,
        TransportSequence = new TransportSequenceCounter(10),
        RtxPayloadType = rtx ? (byte)97 : null,
        RtxSsrc = 0x5678,
    };

    [Theory]
    [InlineData((ushort)0x0001)]
    [InlineData((ushort)0x0007)]
    public void SentPackets_UnprotectAndCarryHeaderExtensions(ushort profile)
    {
        var (local, remote) = Contexts(profile);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        for (int i = 0; i < 4; i++)
        {
            var payload = new byte[] { 0x41, (byte)i };
            Assert.True(sender.TryWritePacket(payload, marker: i == 3, mediaTimestamp: 3000, TimeSpan.FromMilliseconds(i), buffer, out int written));
            Assert.True(remote.TryUnprotectRtp(buffer, written, out int length));
            Assert.True(RtpHeader.TryRead(buffer.AsSpan(0, length), out var header, out int headerLength));
            Assert.Equal((ushort)(65534 + i), header.SequenceNumber);
            Assert.Equal(4000u, header.Timestamp);
            Assert.Equal(0x1234u, header.Ssrc);
            Assert.Equal(i == 3, header.Marker);
            Assert.Equal(payload, buffer[headerLength..length]);
            Assert.True(RtpHeaderExtensionReader.TryFind(buffer.AsSpan(0, length), header, 4, out var mid));
            Assert.Equal("0"u8.ToArray(), mid.ToArray());
            Assert.True(RtpHeaderExtensionReader.TryFind(buffer.AsSpan(0, length), header, 3, out var twcc));
            Assert.Equal(new byte[] { 0, (byte)(10 + i) }, twcc.ToArray());
        }
    }

    [Fact]
    public void Nack_IsAnsweredWithTheOriginalPacket_AfterWrap()
    {
        var (local, remote) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        var sent = new Dictionary<ushort, byte[]>();
        for (int i = 0; i < 5; i++)
        {
            ushort sequence = (ushort)(65534 + i);
            Assert.True(sender.TryWritePacket(new byte[] { 0x41, (byte)i }, false, 0, TimeSpan.Zero, buffer, out int written));
            Assert.True(sender.History.TryGet(sequence, TimeSpan.Zero, out var stored));
            sent[sequence] = stored.Payload.ToArray();
            if (sequence is not (65535 or 1))
            {
                Assert.True(remote.TryUnprotectRtp(buffer, written, out _)); // the others are lost on the way
            }
        }
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [RtcpGenericNack.FromSequenceNumbers(1, 0x1234, [65535, 1])] }, TimeSpan.Zero);

        var retransmitted = new List<byte[]>();
        while (sender.TryPollRetransmission(TimeSpan.FromMilliseconds(100), buffer, out int written))
        {
            Assert.True(remote.TryUnprotectRtp(buffer, written, out int length));
            retransmitted.Add(buffer[..length]);
        }

        Assert.Equal(2, retransmitted.Count);
        Assert.Equal(2, sender.RetransmittedPackets);
        foreach (var (packet, sequence) in retransmitted.Zip(new ushort[] { 65535, 1 }))
        {
            Assert.True(RtpHeader.TryRead(packet, out var header, out int headerLength));
            Assert.Equal(sequence, header.SequenceNumber);
            Assert.Equal(sent[sequence], packet[headerLength..]);
        }
    }

    [Theory]
    [InlineData((ushort)0x0001)]
    [InlineData((ushort)0x0007)]
    public void PlainRetransmission_IsByteIdenticalToTheOriginal_SoNoNonceIsReusedOnOtherData(ushort profile)
    {
        var (local, _) = Contexts(profile);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        Assert.True(sender.TryWritePacket(new byte[] { 0x41, 1, 2, 3 }, true, 0, TimeSpan.Zero, buffer, out int written));
        var original = buffer[..written];
        Assert.True(sender.TryWritePacket(new byte[] { 0x41, 4 }, true, 0, TimeSpan.Zero, buffer, out _));
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [RtcpGenericNack.FromSequenceNumbers(1, 0x1234, [65534])] }, TimeSpan.Zero);

        Assert.True(sender.TryPollRetransmission(TimeSpan.Zero, buffer, out int retransmitted));

        Assert.Equal(original, buffer[..retransmitted]);
    }

    [Fact]
    public void Nack_WithRtx_SendsOsnOnTheRtxSsrc_AndSkipsUnknownPackets()
    {
        var (local, remote) = Contexts(0x0001);
        var sender = new RtpTrackSender(Options(rtx: true), local);
        var buffer = new byte[sender.RequiredBufferSize];
        Assert.True(sender.TryWritePacket(new byte[] { 0x41, 9 }, true, 0, TimeSpan.Zero, buffer, out _));
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [RtcpGenericNack.FromSequenceNumbers(1, 0x1234, [65534, 3])] }, TimeSpan.Zero);

        Assert.True(sender.TryPollRetransmission(TimeSpan.Zero, buffer, out int written));
        Assert.True(remote.TryUnprotectRtp(buffer, written, out int length));
        Assert.True(RtpHeader.TryRead(buffer.AsSpan(0, length), out var header, out int headerLength));
        Assert.Equal(97, header.PayloadType);
        Assert.Equal(0x5678u, header.Ssrc);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0x41, 9 }, buffer[headerLength..length]);
        Assert.True(RtpHeaderExtensionReader.TryFind(buffer.AsSpan(0, length), header, 3, out var twcc));
        Assert.Equal(new byte[] { 0, 11 }, twcc.ToArray()); // a fresh transport-wide number
        Assert.False(sender.TryPollRetransmission(TimeSpan.Zero, buffer, out _));
        Assert.Equal(1, sender.UnanswerableNacks);
    }

    [Fact]
    public void PliAndFir_RaiseOneKeyframeRequest_OthersIgnored()
    {
        var (local, _) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        Assert.False(sender.TryTakeKeyframeRequest());

        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpPictureLossIndication { MediaSsrc = 999 }] }, TimeSpan.Zero);
        Assert.False(sender.TryTakeKeyframeRequest());

        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpPictureLossIndication { MediaSsrc = 0x1234 }] }, TimeSpan.Zero);
        Assert.True(sender.TryTakeKeyframeRequest());
        Assert.False(sender.TryTakeKeyframeRequest());

        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpFullIntraRequest { Entries = [new RtcpFirEntry(0x1234, 1)] }] }, TimeSpan.Zero);
        Assert.True(sender.TryTakeKeyframeRequest());
        Assert.Equal(2, sender.KeyframeRequests);
        Assert.Equal(1, sender.PlisReceived);
        Assert.Equal(1, sender.FirsReceived);
    }

    [Fact]
    public void Nacks_AreCountedPerMessage_AndPerPacketAskedFor()
    {
        var (local, _) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);

        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [RtcpGenericNack.FromSequenceNumbers(1, 0x1234, [1, 2, 3])] }, TimeSpan.Zero);
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [RtcpGenericNack.FromSequenceNumbers(1, 0x9999, [4])] }, TimeSpan.Zero);

        Assert.Equal(1, sender.NacksReceived);
        Assert.Equal(3, sender.NackedPackets);
    }

    [Fact]
    public void ReceiverReport_GivesLossJitterAndTheRoundTripTime_FromTheEchoedSenderReport()
    {
        var (local, _) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        Assert.True(sender.TryWritePacket(new byte[100], true, 0, TimeSpan.FromSeconds(1), buffer, out _));
        var wall = new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
        Assert.True(sender.TryWriteSenderReport(TimeSpan.FromSeconds(2), wall, buffer, out _));
        Assert.True(sender.TryWriteSenderReport(TimeSpan.FromSeconds(3), wall.AddSeconds(1), buffer, out _));
        Assert.Null(sender.RoundTripTime);

        // The viewer echoes the first report (sent at 2 s) and held it 0.5 s: at 2.75 s the round trip took 0.25 s.
        uint lsr = NtpTimestamp.ToCompact(NtpTimestamp.FromDateTimeOffset(wall));
        var echo = new RtcpReportBlock(0x1234, 64, 5, 70000, 900, lsr, 0x8000);
        var other = new RtcpReportBlock(0x9999, 255, 1000, 1, 1, 0, 0);
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [other, echo] }] },
            TimeSpan.FromSeconds(2.75));

        Assert.Equal(1, sender.ReceptionReports);
        Assert.Equal(echo, sender.LastReceptionReport);
        Assert.Equal(TimeSpan.FromSeconds(0.25), sender.RoundTripTime);

        // A report before any sender report reached the viewer (LSR 0), or echoing one we never sent, keeps the last time.
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [echo with { LastSenderReport = 0 }] }] },
            TimeSpan.FromSeconds(4));
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [echo with { LastSenderReport = 7 }] }] },
            TimeSpan.FromSeconds(4));
        Assert.Equal(3, sender.ReceptionReports);
        Assert.Equal(TimeSpan.FromSeconds(0.25), sender.RoundTripTime);

        // A DLSR longer than the time since the report (it is rounded to 1/65536 s) is a round trip of 0, not negative.
        sender.HandleRtcp(new RtcpCompoundPacket { Packets = [new RtcpReceiverReport { Ssrc = 1, ReportBlocks = [echo with { DelaySinceLastSenderReport = 0x10000 }] }] },
            TimeSpan.FromSeconds(2.5));
        Assert.Equal(TimeSpan.Zero, sender.RoundTripTime);
    }

    [Fact]
    public void SenderReport_ExtrapolatesRtpTimestampAndCarriesCname()
    {
        var (local, remote) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        Assert.True(sender.TryWritePacket(new byte[100], true, 9000, TimeSpan.FromSeconds(5), buffer, out _));
        var wall = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        Assert.True(sender.TryWriteSenderReport(TimeSpan.FromSeconds(5.5), wall, buffer, out int written));
        Assert.True(remote.TryUnprotectRtcp(buffer, written, out int length));
        Assert.True(RtcpCompoundPacket.TryRead(buffer.AsSpan(0, length), out var compound, out _));

        var sr = Assert.IsType<RtcpSenderReport>(compound.Packets[0]);
        Assert.Equal(0x1234u, sr.Ssrc);
        Assert.Equal(1000u + 9000u + 45000u, sr.RtpTimestamp); // offset + media ts + 0.5 s at 90 kHz
        Assert.Equal(1u, sr.PacketCount);
        Assert.Equal(100u, sr.OctetCount);
        Assert.Equal(wall, NtpTimestamp.ToDateTimeOffset(sr.NtpTimestamp));
        var sdes = Assert.IsType<RtcpSourceDescription>(compound.Packets[1]);
        Assert.Equal(new RtcpSdesChunk(0x1234, "viewer-cname"), sdes.Chunks[0]);
    }

    [Fact]
    public void WritingMediaPackets_AllocatesNothing()
    {
        var (local, _) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        var buffer = new byte[sender.RequiredBufferSize];
        var payload = new byte[1100];
        for (int i = 0; i < 10; i++)
        {
            sender.TryWritePacket(payload, false, (uint)i, TimeSpan.FromMilliseconds(i), buffer, out _);
        }
        uint timestamp = 10;
        Assert.Equal(0, Allocations.Least(() =>
        {
            for (int i = 0; i < 1000; i++, timestamp++)
            {
                sender.TryWritePacket(payload, false, timestamp, TimeSpan.FromMilliseconds(timestamp), buffer, out _);
            }
        }));
    }

    [Fact]
    public void PayloadTooLarge_ReturnsFalse()
    {
        var (local, _) = Contexts(0x0007);
        var sender = new RtpTrackSender(Options(), local);
        Assert.False(sender.TryWritePacket(new byte[1500], false, 0, TimeSpan.Zero, new byte[2000], out _));
    }

    [Theory]
    [InlineData((ushort)0x0001)]
    [InlineData((ushort)0x0007)]
    public void KeyframeEndToEnd_PacketizeSendUnprotectDepacketize(ushort profile)
    {
        var (local, remote) = Contexts(profile);
        var sender = new RtpTrackSender(Options(), local);
        var random = new Random(4);
        var idr = new byte[20_000];
        random.NextBytes(idr);
        idr[0] = 0x65;
        byte[] sps = [0x67, 0x42, 0xC0, 0x1F];
        byte[] pps = [0x68, 0xCE, 0x3C, 0x80];
        var au = new byte[4 + idr.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(au, (uint)idr.Length);
        idr.CopyTo(au, 4);
        Assert.True(H264Packetizer.TryCreate(au, true, sps, pps, H264Packetizer.DefaultMaxPayloadSize, out var packetizer));
        var payload = new byte[H264Packetizer.DefaultMaxPayloadSize];
        var wire = new byte[sender.RequiredBufferSize];
        var depacketizer = new H264Depacketizer();
        var result = H264DepacketizerResult.NeedMore;
        uint timestamp = RtpClock.ToTimestamp(TimeSpan.FromSeconds(2), RtpClock.VideoClockRate);

        while (packetizer.TryWriteNext(payload, out int length, out bool marker))
        {
            Assert.True(sender.TryWritePacket(payload.AsSpan(0, length).ToArray(), marker, timestamp, TimeSpan.Zero, wire, out int written));
            Assert.True(remote.TryUnprotectRtp(wire, written, out int plain));
            Assert.True(RtpHeader.TryRead(wire.AsSpan(0, plain), out var header, out int headerLength));
            result = depacketizer.Push(wire.AsSpan(headerLength, plain - headerLength), header.SequenceNumber, header.Timestamp, header.Marker);
        }

        Assert.Equal(H264DepacketizerResult.AccessUnitReady, result);
        Assert.True(depacketizer.IsKeyframe);
        var expected = new byte[4 + sps.Length + 4 + pps.Length + au.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(expected, (uint)sps.Length);
        sps.CopyTo(expected, 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(expected.AsSpan(8), (uint)pps.Length);
        pps.CopyTo(expected, 12);
        au.CopyTo(expected, 16);
        Assert.Equal(expected, depacketizer.AccessUnit.ToArray());
    }
}
