using System.Buffers.Binary;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Tests.Shared;

namespace EmsSharp.Protocols.Tests.Srtp;

public class SrtpContextTests
{
    public static TheoryData<ushort> Profiles => [0x0001, 0x0007];

    private static (SrtpContext ClientLocal, SrtpContext ServerRemote, SrtpContext ServerLocal, SrtpContext ClientRemote) CreatePair(ushort profile)
    {
        var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(profile)];
        new Random(profile).NextBytes(material);
        Assert.True(SrtpContextFactory.TryCreate(profile, material, isDtlsClient: true, out var clientLocal, out var clientRemote));
        Assert.True(SrtpContextFactory.TryCreate(profile, material, isDtlsClient: false, out var serverLocal, out var serverRemote));
        return (clientLocal, serverRemote, serverLocal, clientRemote);
    }

    private static byte[] RtpPacket(ushort sequence, int payloadLength, uint ssrc = 0x11223344, int extra = 32)
    {
        var packet = new byte[12 + payloadLength + extra];
        packet[0] = 0x80;
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequence * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (int i = 0; i < payloadLength; i++)
        {
            packet[12 + i] = (byte)(i * 7);
        }
        return packet;
    }

    private static byte[] RtcpPacket(uint ssrc)
    {
        // Receiver report with no blocks, then SDES-like filler, 8 + 8 bytes, plus room for the trailer.
        var packet = new byte[16 + 32];
        packet[0] = 0x80;
        packet[1] = 201;
        packet[3] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        packet[8] = 0x81;
        packet[9] = 202;
        packet[11] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), ssrc);
        return packet;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Factory_ClientProtects_ServerUnprotects_BothDirections(ushort profile)
    {
        var (clientLocal, serverRemote, serverLocal, clientRemote) = CreatePair(profile);
        foreach (var (local, remote) in new[] { (clientLocal, serverRemote), (serverLocal, clientRemote) })
        {
            var packet = RtpPacket(1, 1200);
            var original = packet[..1212];
            Assert.True(local.TryProtectRtp(packet, 1212, out int protectedLength));
            Assert.Equal(1212 + local.RtpOverhead, protectedLength);
            Assert.NotEqual(original[12..], packet[12..1212]);
            Assert.True(remote.TryUnprotectRtp(packet, protectedLength, out int length));
            Assert.Equal(original, packet[..length]);
        }
    }

    [Fact]
    public void Factory_RejectsUnknownProfileAndWrongLength()
    {
        Assert.False(SrtpContextFactory.TryCreate(0x0002, new byte[60], true, out _, out _));
        Assert.False(SrtpContextFactory.TryCreate(0x0001, new byte[56], true, out _, out _));
        Assert.False(SrtpContextFactory.TryCreate(0x0007, new byte[60], true, out _, out _));
        Assert.Equal(60, SrtpContextFactory.GetKeyingMaterialLength(0x0001));
        Assert.Equal(56, SrtpContextFactory.GetKeyingMaterialLength(0x0007));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_RoundTrip_IndexIncrements(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        for (int i = 0; i < 3; i++)
        {
            var packet = RtcpPacket(0xCAFE);
            var original = packet[..16];
            Assert.True(local.TryProtectRtcp(packet, 16, out int protectedLength));
            Assert.Equal(16 + local.RtcpOverhead, protectedLength);
            int indexOffset = profile == 0x0001 ? 16 : protectedLength - 4;
            Assert.Equal(0x8000_0000u | (uint)i, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(indexOffset)));
            Assert.True(remote.TryUnprotectRtcp(packet, protectedLength, out int length));
            Assert.Equal(original, packet[..length]);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_RolloverAcross65535To0_StaysInSync(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        for (int i = 0; i < 20; i++)
        {
            ushort sequence = (ushort)(65525 + i);
            var packet = RtpPacket(sequence, 100);
            var original = packet[..112];
            Assert.True(local.TryProtectRtp(packet, 112, out int protectedLength));
            Assert.True(remote.TryUnprotectRtp(packet, protectedLength, out int length), $"seq {sequence}");
            Assert.Equal(original, packet[..length]);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_ReorderedAcrossWrap_UsesPreviousRolloverCounter(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        var packets = new List<(byte[] Packet, int Length)>();
        foreach (ushort sequence in new ushort[] { 65534, 65535, 0, 1 })
        {
            var packet = RtpPacket(sequence, 50);
            Assert.True(local.TryProtectRtp(packet, 62, out int length));
            packets.Add((packet, length));
        }
        // Arrival order 65534, 0, 65535 (late, ROC-1), 1.
        foreach (int i in new[] { 0, 2, 1, 3 })
        {
            Assert.True(remote.TryUnprotectRtp(packets[i].Packet, packets[i].Length, out _), $"packet {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_ReplayRejected(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        var packet = RtpPacket(7, 100);
        Assert.True(local.TryProtectRtp(packet, 112, out int protectedLength));
        var copy = packet.ToArray();
        Assert.True(remote.TryUnprotectRtp(packet, protectedLength, out _));
        Assert.False(remote.TryUnprotectRtp(copy, protectedLength, out _));
        Assert.Equal((1L, 0L), (remote.ReplayedPackets, remote.StalePackets));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_OlderThanWindowRejected_InsideWindowAccepted(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        var old = RtpPacket(10, 20);
        Assert.True(local.TryProtectRtp(old, 32, out int oldLength));
        var recent = RtpPacket(10 + SrtpReplayWindow.Size + 1, 20); // `old` is now out of the window
        Assert.True(local.TryProtectRtp(recent, 32, out int recentLength));
        var late = RtpPacket(10 + SrtpReplayWindow.Size - 10, 20);
        Assert.True(local.TryProtectRtp(late, 32, out int lateLength));

        Assert.True(remote.TryUnprotectRtp(recent, recentLength, out _));
        Assert.False(remote.TryUnprotectRtp(old, oldLength, out _));
        Assert.True(remote.TryUnprotectRtp(late, lateLength, out _));
        Assert.Equal((0L, 1L), (remote.ReplayedPackets, remote.StalePackets)); // too old, not a copy
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_ReplayRejected(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        var packet = RtcpPacket(5);
        Assert.True(local.TryProtectRtcp(packet, 16, out int length));
        var copy = packet.ToArray();
        Assert.True(remote.TryUnprotectRtcp(packet, length, out _));
        Assert.False(remote.TryUnprotectRtcp(copy, length, out _));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void TamperedPacketsRejected_AndStateUnchanged(ushort profile)
    {
        var (local, remote, _, _) = CreatePair(profile);
        var packet = RtpPacket(1, 100);
        Assert.True(local.TryProtectRtp(packet, 112, out int length));
        foreach (int position in new[] { 1, 5, 20, length - 1 })
        {
            var tampered = packet.ToArray();
            tampered[position] ^= 0x01;
            Assert.False(remote.TryUnprotectRtp(tampered, length, out _), $"byte {position}");
        }
        Assert.True(remote.TryUnprotectRtp(packet, length, out _));
        Assert.Equal(4, remote.AuthenticationFailures);

        var rtcp = RtcpPacket(9);
        Assert.True(local.TryProtectRtcp(rtcp, 16, out int rtcpLength));
        var forged = rtcp.ToArray();
        forged[rtcpLength - 5] ^= 0x80;
        Assert.False(remote.TryUnprotectRtcp(forged, rtcpLength, out _));
        Assert.True(remote.TryUnprotectRtcp(rtcp, rtcpLength, out _));
    }

    public static TheoryData<string, int> MalformedRtp => new()
    {
        { "", 0 },
        { "80", 1 },
        { "8060000100000000000000", 11 },
        { "406000010000000000000000" + "00000000000000000000", 22 }, // version 1
        { "8f6000010000000000000000" + "00000000000000000000", 22 }, // 15 CSRCs, too short
        { "906000010000000000000000" + "beDE0010" + "000000000000", 22 }, // extension longer than packet
        { "806000010000000000000000" + "0000", 14 }, // shorter than the tag
        { "806000010000000000000000" + "00000000000000000000000000000000", 40 }, // length beyond buffer
    };

    [Theory]
    [MemberData(nameof(MalformedRtp))]
    public void MalformedRtp_RejectedWithoutThrowing(string hex, int length)
    {
        foreach (ushort profile in new ushort[] { 0x0001, 0x0007 })
        {
            var (local, remote, _, _) = CreatePair(profile);
            var data = Convert.FromHexString(hex);
            Assert.False(remote.TryUnprotectRtp(data.ToArray(), length, out _));
            if (length > data.Length || data.Length < 12 || (data[0] >> 6) != 2 || hex.StartsWith("8f", StringComparison.Ordinal)
                || hex.StartsWith("90", StringComparison.Ordinal))
            {
                Assert.False(local.TryProtectRtp(data.ToArray(), length, out _));
            }
        }
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("80c9", 2)]
    [InlineData("40c90001000000000000000000000000000000000000000000000000", 28)]
    [InlineData("80c900010000000000000000", 12)]
    public void MalformedRtcp_RejectedWithoutThrowing(string hex, int length)
    {
        foreach (ushort profile in new ushort[] { 0x0001, 0x0007 })
        {
            var (_, remote, _, _) = CreatePair(profile);
            Assert.False(remote.TryUnprotectRtcp(Convert.FromHexString(hex), length, out _));
        }
    }

    [Fact]
    public void ProtectFailsWhenNoRoomForTag()
    {
        var (local, _, _, _) = CreatePair(0x0001);
        var packet = RtpPacket(1, 100, extra: 0);
        Assert.False(local.TryProtectRtp(packet, packet.Length, out _));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ProtectAndUnprotect_AllocateNothingPerPacket(ushort profile)
    {
        var (local, remote, localRtcp, remoteRtcp) = CreatePair(profile);
        var packet = RtpPacket(0, 1200);
        var rtcp = RtcpPacket(1);
        void RoundTrip(ushort sequence)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
            Assert.True(local.TryProtectRtp(packet, 1212, out int length));
            Assert.True(remote.TryUnprotectRtp(packet, length, out _));
            Assert.True(localRtcp.TryProtectRtcp(rtcp, 16, out int rtcpLength));
            Assert.True(remoteRtcp.TryUnprotectRtcp(rtcp, rtcpLength, out _));
        }
        for (ushort i = 0; i < 10; i++)
        {
            RoundTrip(i);
        }
        ushort sequence = 10;
        Assert.Equal(0, Allocations.Least(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                RoundTrip(sequence++);
            }
        }));
    }
}
