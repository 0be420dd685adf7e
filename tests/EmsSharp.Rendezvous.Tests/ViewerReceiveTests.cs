using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.WebRtc;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>
/// <c>ems-load viewers</c>' cheap receive side: the SRTP sample, the receiver's bookkeeping over every packet, the
/// /proc parsers that tell the tool's drops from the server's, and the shared receive threads (epoll + recvmmsg).
/// </summary>
public class ViewerReceiveTests
{
    private const byte Video = 96;
    private const byte Audio = 111;
    private const uint ServerSsrc = 0x1234;
    private static readonly byte[] Idr = Convert.FromHexString("6588aabbcc");
    private static readonly byte[] Slice = Convert.FromHexString("4188aabbcc");
    private static readonly TimeSpan Now = TimeSpan.FromMilliseconds(500); // before the first receiver report is due

    [Fact]
    public void Sampler_ChecksEverythingUntilTheKeyframe_ThenOneInN()
    {
        var sampler = new SrtpSampler(4);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.True(sampler.Next(all: true)));

        bool[] after = Enumerable.Range(0, 12).Select(_ => sampler.Next(all: false)).ToArray();

        Assert.Equal([true, false, false, false, true, false, false, false, true, false, false, false], after);
        var every = new SrtpSampler(1);
        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(every.Next(all: false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SrtpSampler(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SrtpSampler(SrtpSampler.MaxEvery + 1));
    }

    [Fact]
    public void Receiver_CountsEveryPacket_AuthenticatesAllBeforeTheKeyframe_ThenASample()
    {
        using var sender = Context();
        using var receiver = Receiver(checkEvery: 4);
        // Across the sequence wrap: two slices before the IDR (decrypted in search of it), the IDR, then 12 slices.
        var packets = new List<byte[]> { Protect(sender, 65533, Video, Slice), Protect(sender, 65534, Video, Slice), Protect(sender, 65535, Video, Idr) };
        packets.AddRange(Enumerable.Range(0, 12).Select(i => Protect(sender, (ushort)i, Video, Slice)));

        List<int> keyframes = [];
        for (int i = 0; i < packets.Count; i++)
        {
            Assert.True(receiver.Receive(packets[i], Now, 0, out bool keyframe));
            if (keyframe)
            {
                keyframes.Add(i);
            }
        }

        Assert.Equal([2], keyframes);
        Assert.Equal((15L, 15L, 0L), (receiver.Packets, receiver.VideoPackets, receiver.AudioPackets));
        Assert.Equal(3 + 3, receiver.Checked); // all three up to the IDR, then 1 in 4 of the 12
        Assert.Equal((0L, 15L, 0L, 0L), (receiver.Lost, receiver.Expected, receiver.Duplicates, receiver.AuthFailures));
        Assert.False(receiver.TryPollTransmit(out _));
    }

    [Fact]
    public void Receiver_AForgeryInTheSampleIsRefusedAndCounted_OneOutsideItIsCountedByItsHeader()
    {
        using var sender = Context();
        using var receiver = Receiver(checkEvery: 2);
        Assert.True(receiver.Receive(Protect(sender, 10, Video, Idr), Now, 0, out _)); // checked: the keyframe
        Assert.True(receiver.Receive(Protect(sender, 11, Video, Slice), Now, 0, out _)); // checked (1 of 2)
        Assert.True(receiver.Receive(Forge(Protect(sender, 12, Video, Slice)), Now, 0, out _)); // not checked: counted

        Assert.False(receiver.Receive(Forge(Protect(sender, 13, Video, Slice)), Now, 0, out _)); // checked: refused
        Assert.True(receiver.Receive(Protect(sender, 14, Video, Slice), Now, 0, out _)); // 13 is now a gap: NACKed

        Assert.Equal((4L, 1L, 1L, 1L), (receiver.Packets, receiver.AuthFailures, receiver.Lost, receiver.NacksSent));
        Assert.True(receiver.TryPollTransmit(out ReadOnlySpan<byte> nack));
        Assert.True(nack.Length > 12);
        Assert.False(receiver.TryPollTransmit(out _));
    }

    [Fact]
    public void Receiver_LossDuplicatesAndTracksAcrossTheWrap_AndAReportEverySecond()
    {
        using var sender = Context();
        using var receiver = Receiver(checkEvery: 16);
        foreach (ushort seq in new ushort[] { 65534, 65535, 1, 1 })
        {
            receiver.Receive(Protect(sender, seq, Video, seq == 65534 ? Idr : Slice), Now, 0, out _);
        }

        receiver.Receive(Protect(sender, 7, Audio, [1, 2, 3], ssrc: 0x5678), Now, 0, out _);

        Assert.Equal((4L, 3L, 1L), (receiver.Packets, receiver.VideoPackets, receiver.AudioPackets)); // the second 1 is not a packet more
        Assert.Equal((1L, 1L, 5L), (receiver.Lost, receiver.Duplicates, receiver.Expected)); // 0 lost; 1 twice; 4 video + 1 audio
        Assert.Equal(1, receiver.NacksSent);
        Assert.True(receiver.TryPollTransmit(out _));
        Assert.False(receiver.TryPollTransmit(out _));

        // A second later: 0 is asked for again (the retry interval passed) and a receiver report is due.
        Assert.True(receiver.Receive(Protect(sender, 2, Video, Slice), TimeSpan.FromSeconds(1), 0, out _));
        Assert.Equal(2, receiver.NacksSent);
        Assert.True(receiver.TryPollTransmit(out _));
        Assert.True(receiver.TryPollTransmit(out _));
        Assert.False(receiver.TryPollTransmit(out _));
        Assert.False(receiver.Receive(Convert.FromHexString("81c80006"), Now, 0, out _)); // the server's RTCP: not counted
    }

    [Fact]
    public void Receiver_ReportsTheLastSenderReportAndTheDelaySince_SoTheServerMeasuresTheRoundTrip()
    {
        using var sender = Context();
        using var receiver = Receiver(checkEvery: 16);
        Assert.True(receiver.Receive(Protect(sender, 1, Video, Idr), Now, 0, out _));
        const ulong ntp = 0xE5A1_2345_6789_ABCDUL;
        byte[] sr = new byte[128];
        Assert.True(new RtcpSenderReport { Ssrc = ServerSsrc, NtpTimestamp = ntp, RtpTimestamp = 3000 }.TryWrite(sr, out int written));
        Assert.True(sender.TryProtectRtcp(sr, written, out int protectedLength));
        Assert.False(receiver.Receive(sr.AsSpan(0, protectedLength), Now, 0, out _)); // RTCP is not a counted packet

        // The report due a second in: LSR is the middle 32 bits of the SR's NTP time, DLSR the 0.5 s since it came.
        Assert.True(receiver.Receive(Protect(sender, 2, Video, Slice), Now + TimeSpan.FromSeconds(0.5), 0, out _));
        Assert.True(receiver.Receive(Protect(sender, 3, Video, Slice), TimeSpan.FromSeconds(1), 0, out _));
        Assert.True(receiver.TryPollTransmit(out ReadOnlySpan<byte> report));
        byte[] clear = report.ToArray();
        using var viewerKeys = SrtpContext.FromMasterKey(SrtpProtectionProfile.Aes128CmHmacSha1_80, new byte[16], new byte[14]);
        Assert.True(viewerKeys.TryUnprotectRtcp(clear, clear.Length, out int length));
        Assert.True(RtcpReceiverReport.TryRead(clear.AsSpan(0, length), out RtcpReceiverReport rr, out _));
        RtcpReportBlock block = Assert.Single(rr.ReportBlocks);
        Assert.Equal(0x2345_6789u, block.LastSenderReport);
        Assert.Equal(32768u, block.DelaySinceLastSenderReport);
    }

    [Fact]
    public void Receiver_DoesNotAllocatePerPacket()
    {
        using var sender = Context();
        using var receiver = Receiver(checkEvery: 4);
        byte[][] packets = Enumerable.Range(0, 5000).Select(i => Protect(sender, (ushort)i, Video, i == 0 ? Idr : Slice)).ToArray();
        long least = long.MaxValue;
        // The least of five rounds: a tier-up compiling mid-loop must not count as the code's allocation.
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = round * 1000; i < (round + 1) * 1000; i++)
            {
                receiver.Receive(packets[i], Now, 0, out _);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        Assert.Equal(5000, receiver.Packets);
    }

    [Fact]
    public void ProcNetUdp_SumsTheDropsOfTheGivenPortsOnly()
    {
        string[] lines =
        [
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
            "  113: 0100007F:9C41 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 81234 2 0000000000000000 17",
            "  114: 0100007F:9C42 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 81235 2 0000000000000000 5",
            "  115: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 81236 2 0000000000000000 1000",
            "  garbage",
        ];

        Assert.Equal(22, UdpReceiveDrops.SumDrops(lines, new HashSet<int> { 0x9C41, 0x9C42 }));
        Assert.Equal(0, UdpReceiveDrops.SumDrops(lines, new HashSet<int>()));
    }

    [Fact]
    public void ProcNetSnmp_ReadsRcvbufErrorsByName()
    {
        string[] lines =
        [
            "Tcp: RtoAlgorithm RtoMin",
            "Tcp: 1 200",
            "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors",
            "Udp: 1234 0 42 999 40 0 0 0 0",
            "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors",
            "UdpLite: 0 0 0 0 7 0 0 0 0",
        ];

        Assert.True(UdpReceiveDrops.TryParseRcvbufErrors(lines, out long errors));
        Assert.Equal(40, errors);
        Assert.False(UdpReceiveDrops.TryParseRcvbufErrors(lines[..3], out _));
        Assert.False(UdpReceiveDrops.TryParseRcvbufErrors(["Udp: InDatagrams", "Udp: 1"], out _));
    }

    [Fact]
    public void ControlData_TimestampIsFoundBehindAnotherMessage_AndMalformedIsNone()
    {
        byte[] control = new byte[56];
        Cmsg(control, 0, level: 0, type: 8, length: 20); // IP_PKTINFO-like, padded to 24
        Cmsg(control, 24, LinuxReceiveCalls.SolSocket, LinuxReceiveCalls.SoTimestampNs, 32);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(40), 1_700_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(48), 123_456_789);

        Assert.Equal((1_700_000_000_123_456_789, 0), LinuxReceiveCalls.ReadControl(control));
        Assert.Equal((-1, 0), LinuxReceiveCalls.ReadControl([]));
        Assert.Equal((-1, 0), LinuxReceiveCalls.ReadControl(control.AsSpan(0, 24)));
        Cmsg(control, 0, 0, 8, 4000); // a length past the buffer
        Assert.Equal((-1, 0), LinuxReceiveCalls.ReadControl(control));
    }

    [Fact]
    public void ControlData_UdpGroSegmentSizeIsFoundBesideTheTimestamp()
    {
        byte[] control = new byte[LinuxReceiveCalls.ControlLength];
        Cmsg(control, 0, LinuxReceiveCalls.SolSocket, LinuxReceiveCalls.SoTimestampNs, 32);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(16), 2);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(24), 5);
        Cmsg(control, 32, LinuxReceiveCalls.SolUdp, LinuxReceiveCalls.UdpGro, 20); // an int, padded to 24
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(48), 1200);

        Assert.Equal((2_000_000_005, 1200), LinuxReceiveCalls.ReadControl(control));
    }

    [Fact]
    public async Task Pool_ReadsEverySocketsDatagramsInOrder_WithTheirKernelArrivalTimes()
    {
        await using ViewerReceivePool? pool = ViewerReceivePool.TryCreate(threads: 2, capacity: 3, receiveBufferBytes: 1 << 20, udpGro: true, out string? unavailable);
        Assert.True(pool is not null, unavailable);
        const int PerSocket = 100; // more than one recvmmsg batch
        var options = new UdpPortDriverOptions { BindAddress = IPAddress.Loopback };
        var sockets = Enumerable.Range(0, 3).Select(_ => pool.Open(options)).ToArray();
        var received = sockets.Select(_ => new List<(ushort Sequence, long At)>()).ToArray();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int complete = 0;
        for (int s = 0; s < sockets.Length; s++)
        {
            var mine = received[s];
            sockets[s].RtpReceived = (datagram, at) =>
            {
                mine.Add((BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]), at)); // one thread per socket: no lock
                if (mine.Count == PerSocket && Interlocked.Increment(ref complete) == sockets.Length)
                {
                    done.TrySetResult();
                }
            };
        }

        long sentFrom = Stopwatch.GetTimestamp();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] datagram = new byte[1200];
        datagram[0] = 0x80; // RTP (RFC 7983)
        for (ushort seq = 0; seq < PerSocket; seq++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), seq);
            foreach (var socket in sockets)
            {
                client.SendTo(datagram, socket.LocalEndPoint);
            }
        }

        client.SendTo(new byte[] { 0, 1, 0, 0 }, sockets[0].LocalEndPoint); // STUN with no session attached: dropped
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a measure: the datagrams are all sent already
        pool.StopReceiving();

        long readBy = Stopwatch.GetTimestamp();
        foreach (var list in received)
        {
            Assert.Equal(Enumerable.Range(0, PerSocket).Select(i => (ushort)i), list.Select(r => r.Sequence));
            Assert.All(list, r => Assert.InRange(r.At, sentFrom - Stopwatch.Frequency / 1000, readBy)); // a ms for the two clocks' read
        }

        Assert.Equal(0, pool.Faults);
        Assert.InRange(pool.Datagrams, 3 * PerSocket, (3 * PerSocket) + 1);
        Assert.InRange(pool.Calls, 1, pool.Datagrams);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pool_SplitsAGsoDatagramIntoItsSegments_WholeWithUdpGro(bool udpGro)
    {
        await using ViewerReceivePool? pool = ViewerReceivePool.TryCreate(threads: 1, capacity: 1, receiveBufferBytes: 1 << 20, udpGro, out string? unavailable);
        Assert.True(pool is not null, unavailable);
        ViewerSocket socket = pool.Open(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var received = new List<(ushort Sequence, int Length)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.RtpReceived = (datagram, _) =>
        {
            received.Add((BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]), datagram.Length));
            if (received.Count == 4)
            {
                done.TrySetResult();
            }
        };

        // The server's send: one GSO datagram of three 1,200-byte segments and a 500-byte last one (UDP_SEGMENT, udp(7)).
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.SetRawSocketOption(LinuxReceiveCalls.SolUdp, 103, [0xB0, 0x04, 0, 0]); // UDP_SEGMENT (<linux/udp.h>): 1200, an int
        byte[] gso = new byte[(3 * 1200) + 500];
        for (int i = 0; i < 4; i++)
        {
            gso[i * 1200] = 0x80; // RTP (RFC 7983)
            BinaryPrimitives.WriteUInt16BigEndian(gso.AsSpan((i * 1200) + 2), (ushort)(i + 7));
        }

        client.SendTo(gso, socket.LocalEndPoint);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30)); // a guard, not a measure: the datagram is sent already
        pool.StopReceiving();

        Assert.Equal([(7, 1200), (8, 1200), (9, 1200), (10, 500)], received);
        Assert.Equal((4, udpGro ? 1 : 0), (pool.Datagrams, pool.Coalesced)); // with UDP_GRO the kernel handed it whole
    }

    private static SrtpContext Context() =>
        SrtpContext.FromMasterKey(SrtpProtectionProfile.Aes128CmHmacSha1_80, Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), new byte[14]);

    private static SrtpReceiver Receiver(int checkEvery) =>
        new(Context(), SrtpContext.FromMasterKey(SrtpProtectionProfile.Aes128CmHmacSha1_80, new byte[16], new byte[14]), 0x9999, Video, 0, checkEvery);

    private static byte[] Protect(SrtpContext sender, ushort sequence, byte payloadType, byte[] payload, uint ssrc = ServerSsrc)
    {
        byte[] buffer = new byte[RtpHeader.FixedLength + payload.Length + 16];
        Assert.True(new RtpHeader { PayloadType = payloadType, SequenceNumber = sequence, Timestamp = sequence * 3000u, Ssrc = ssrc }
            .TryWrite(buffer, out int written));
        payload.CopyTo(buffer, written);
        Assert.True(sender.TryProtectRtp(buffer, written + payload.Length, out int length));
        return buffer[..length];
    }

    private static byte[] Forge(byte[] packet)
    {
        packet[^1] ^= 0xFF; // the tag
        return packet;
    }

    private static void Cmsg(byte[] control, int offset, int level, int type, long length)
    {
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(offset), length);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(offset + 8), level);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(offset + 12), type);
    }
}
