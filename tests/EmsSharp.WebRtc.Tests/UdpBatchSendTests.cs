using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmsSharp.Tests.Shared;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Batched sends of the UDP port to a real loopback receiver: every datagram arrives whole and in order on each path
/// (<c>sendto</c> per datagram, one <c>sendmmsg</c>, <c>sendmmsg</c> with GSO), in as many system calls as the path
/// promises, beyond every per-call limit, through a GSO refusal, and a failure is logged, not thrown.
/// </summary>
public sealed class UdpBatchSendTests
{
    private const int SolSocket = 1;
    private const int SoNoCheck = 11; // socket(7): UDP checksums off, with which the kernel refuses GSO (udp_send_skb)

    // A keyframe's shape (RFC 6184): a STAP-A, FU-A fragments of one size past the 64 kB a GSO message may hold, a
    // shorter last fragment, then a small frame's packets and a one-byte datagram.
    private static readonly int[] KeyframeShape = [31, .. Enumerable.Repeat(1_200, 60), 744, 1_200, 1_200, 90, 1];

    [Theory]
    [InlineData(UdpBatchMode.Off, "sendto", 0)]
    [InlineData(UdpBatchMode.Sendmmsg, "sendmmsg", 1)]
    [InlineData(UdpBatchMode.Auto, "sendmmsg+gso", 1)]
    public async Task Every_datagram_of_a_batch_arrives_whole_and_in_order(UdpBatchMode mode, string path, long calls)
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedSends = mode });
        using var receiver = Receiver();
        var batch = Batch(KeyframeShape, seed: (int)mode);

        port.SendBatch(batch.Datagrams, batch.Lengths, (IPEndPoint)receiver.LocalEndPoint!);

        Assert.Equal(path, port.BatchedSendPath);
        Assert.Equal(calls, port.BatchSendCalls);
        AssertReceived(receiver, batch);
    }

    [Theory]
    [InlineData(UdpBatchMode.Off, 0)]
    [InlineData(UdpBatchMode.Sendmmsg, 9)] // 128 messages a call
    [InlineData(UdpBatchMode.Auto, 1)] // 18 GSO messages of up to 64 datagrams
    public async Task A_batch_past_the_kernels_per_call_limit_is_sent_whole(UdpBatchMode mode, long calls)
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedSends = mode });
        using var receiver = Receiver();
        var batch = Batch([.. Enumerable.Repeat(16, 1_100)], seed: 7); // UIO_MAXIOV is 1,024

        port.SendBatch(batch.Datagrams, batch.Lengths, (IPEndPoint)receiver.LocalEndPoint!);

        Assert.Equal(calls, port.BatchSendCalls);
        AssertReceived(receiver, batch);
    }

    [Fact]
    public void Batches_to_several_destinations_leave_in_one_call_each_whole_and_in_order()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sender = LinuxUdpBatchSender.TryCreate(socket, UdpBatchMode.Auto, new LogLines().CreateLogger("test"));
        Assert.NotNull(sender);
        using var a = Receiver();
        using var b = Receiver();
        var toA = (IPEndPoint)a.LocalEndPoint!;
        var toB = (IPEndPoint)b.LocalEndPoint!;
        // a's keyframe, b's small frame, an empty group, then a's next frame: equal sizes across a's groups do not join
        // one GSO run, since b's datagrams lie between them.
        var first = Batch(KeyframeShape, seed: 11);
        var second = Batch([1_200, 1_200, 300], seed: 12);
        var third = Batch([1_200, 1_200, 90], seed: 13);
        var all = new DatagramBatch(first.Length + second.Length + third.Length, first.Count + second.Count + third.Count);
        foreach (var batch in new[] { first, second, third })
        {
            var offset = 0;
            foreach (var length in batch.Lengths)
            {
                batch.Datagrams.Slice(offset, length).CopyTo(all.Free);
                all.Add(length);
                offset += length;
            }
        }

        UdpSendGroup[] groups =
        [
            new(first.Count, toA.Serialize(), toA),
            new(second.Count, toB.Serialize(), toB),
            new(0, toB.Serialize(), toB),
            new(third.Count, toA.Serialize(), toA),
        ];

        sender.Send(all.Datagrams, all.Lengths, groups);

        Assert.Equal(1, sender.Calls);
        AssertReceived(a, [first, third]);
        AssertReceived(b, [second]);
        Assert.Throws<ArgumentException>(() => sender.Send(all.Datagrams, all.Lengths, groups.AsSpan(0, 2)));
    }

    [Fact]
    public async Task Sends_held_for_a_worker_turn_leave_together_at_its_end_in_order()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var held = port.CreateDeferredSends();
        Assert.NotNull(held);
        using var a = Receiver();
        using var b = Receiver();
        var toA = (IPEndPoint)a.LocalEndPoint!;
        var toB = (IPEndPoint)b.LocalEndPoint!;
        var first = Batch([1_200, 1_200, 300], seed: 21);
        var check = Batch([120], seed: 22);
        var second = Batch([1_200, 90], seed: 23);

        held.Begin();
        port.SendBatch(first.Datagrams, first.Lengths, toA);
        port.Send(check.Datagrams, toB);
        port.SendBatch(second.Datagrams, second.Lengths, toA);
        port.SendBatch(second.Datagrams, second.Lengths, toA);
        Assert.Equal(0, port.BatchSendCalls);
        held.End();

        Assert.Equal(1, port.BatchSendCalls);
        AssertReceived(a, [first, second, second]);
        AssertReceived(b, [check]);

        // Past what it holds, what it held leaves first; outside a turn, a send goes at once.
        var big = Batch([.. Enumerable.Repeat(1_200, 200)], seed: 24);
        held.Begin();
        port.SendBatch(big.Datagrams, big.Lengths, toA);
        port.SendBatch(big.Datagrams, big.Lengths, toB);
        Assert.Equal(2, port.BatchSendCalls);
        held.End();
        port.SendBatch(first.Datagrams, first.Lengths, toB);
        Assert.Equal(4, port.BatchSendCalls);
        AssertReceived(a, [big]);
        AssertReceived(b, [big, first]);
    }

    [Fact]
    public async Task Holding_and_sending_a_turns_sends_allocates_nothing()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var held = port.CreateDeferredSends()!;
        using var receiver = Receiver();
        var destination = (IPEndPoint)receiver.LocalEndPoint!;
        var batch = Batch(KeyframeShape, seed: 25);

        void Turn()
        {
            held.Begin();
            port.SendBatch(batch.Datagrams, batch.Lengths, destination);
            port.Send(batch.Datagrams[..31], destination);
            held.End();
        }

        Turn(); // caches the destination's SocketAddress
        Assert.Equal(0, Allocations.Least(Turn));
    }

    [Fact]
    public void A_refused_gso_send_goes_out_without_gso_which_stays_off_logged_once()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.SetRawSocketOption(SolSocket, SoNoCheck, BitConverter.GetBytes(1));
        var log = new LogLines();
        var sender = LinuxUdpBatchSender.TryCreate(socket, UdpBatchMode.Auto, log.CreateLogger("test"));
        Assert.NotNull(sender);
        Assert.True(sender.Gso);
        using var receiver = Receiver();
        var destination = (IPEndPoint)receiver.LocalEndPoint!;
        var batch = Batch(KeyframeShape, seed: 3);

        sender.Send(batch.Datagrams, batch.Lengths, destination.Serialize(), destination);
        AssertReceived(receiver, batch);
        Assert.False(sender.Gso);
        // The STAP-A went with the first call, whose GSO message failed; the second call's too; the third sent the rest.
        Assert.Equal(3, sender.Calls);

        sender.Send(batch.Datagrams, batch.Lengths, destination.Serialize(), destination);
        AssertReceived(receiver, batch);
        Assert.Equal(4, sender.Calls);
        Assert.Equal(1, log.Count("GSO refused"));
    }

    [Theory]
    [InlineData(UdpBatchMode.Off)]
    [InlineData(UdpBatchMode.Sendmmsg)]
    [InlineData(UdpBatchMode.Auto)]
    public async Task A_failed_send_is_logged_not_thrown_and_the_port_goes_on(UdpBatchMode mode)
    {
        var log = new LogLines();
        var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedSends = mode },
            loggerFactory: log);
        using var receiver = Receiver();
        var batch = Batch([1_200, 1_200, 300], seed: 5);
        // The limited broadcast address without SO_BROADCAST: EACCES for every datagram (ip(7)).
        var broadcast = new IPEndPoint(IPAddress.Broadcast, 9);

        port.SendBatch(batch.Datagrams, batch.Lengths, broadcast);
        Assert.True(log.Count("255.255.255.255:9 failed") > 0, "the failure is logged");

        port.SendBatch(batch.Datagrams, batch.Lengths, (IPEndPoint)receiver.LocalEndPoint!);
        AssertReceived(receiver, batch);

        await port.DisposeAsync();
        var logged = log.Count("failed");
        port.SendBatch(batch.Datagrams, batch.Lengths, (IPEndPoint)receiver.LocalEndPoint!); // a closed socket: quietly nothing
        Assert.Equal(logged, log.Count("failed"));
        Assert.Equal(0, receiver.Available);
    }

    [Fact]
    public async Task A_batch_through_sendmmsg_allocates_nothing()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        using var receiver = Receiver();
        var destination = (IPEndPoint)receiver.LocalEndPoint!;
        var batch = Batch(KeyframeShape, seed: 9);

        void SendBatch() => port.SendBatch(batch.Datagrams, batch.Lengths, destination);

        SendBatch(); // caches the destination's SocketAddress
        Assert.Equal(0, Allocations.Least(SendBatch));
        Assert.Equal("sendmmsg+gso", port.BatchedSendPath);
    }

    [Fact]
    public void Native_structures_have_the_64_bit_linux_layout()
    {
        // <sys/socket.h>, <sys/uio.h> on LP64: what sendmmsg(2) reads.
        Assert.Equal(16, Unsafe.SizeOf<LinuxSockets.IoVec>());
        Assert.Equal(56, Unsafe.SizeOf<LinuxSockets.MsgHdr>());
        Assert.Equal(64, Unsafe.SizeOf<LinuxSockets.MMsgHdr>());
        Assert.Equal(24, Unsafe.SizeOf<LinuxSockets.UdpSegmentMessage>()); // CMSG_SPACE(sizeof(u16))
        int[] msghdr = [0, 8, 16, 24, 32, 40, 48];
        string[] fields = ["Name", "NameLength", "Iov", "IovLength", "Control", "ControlLength", "Flags"];
        for (var i = 0; i < fields.Length; i++)
        {
            Assert.Equal(msghdr[i], (int)Marshal.OffsetOf<LinuxSockets.MsgHdr>(fields[i]));
        }

        Assert.Equal(56, (int)Marshal.OffsetOf<LinuxSockets.MMsgHdr>("Length"));
        Assert.Equal(12, (int)Marshal.OffsetOf<LinuxSockets.UdpSegmentMessage>("Type"));
        Assert.Equal(16, (int)Marshal.OffsetOf<LinuxSockets.UdpSegmentMessage>("SegmentSize")); // CMSG_DATA
    }

    private static Socket Receiver()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 4 << 20, // a whole batch waits in the queue until read
            ReceiveTimeout = 10_000,
        };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    // Datagrams of the given sizes, each with distinct contents (its index first, then seeded random bytes).
    private static DatagramBatch Batch(int[] lengths, int seed)
    {
        var random = new Random(seed);
        var batch = new DatagramBatch(lengths.Sum(), lengths.Length);
        for (var i = 0; i < lengths.Length; i++)
        {
            var datagram = batch.Free[..lengths[i]];
            random.NextBytes(datagram);
            datagram[0] = (byte)i;
            batch.Add(lengths[i]);
        }

        return batch;
    }

    private static void AssertReceived(Socket receiver, DatagramBatch batch) => AssertReceived(receiver, [batch]);

    private static void AssertReceived(Socket receiver, DatagramBatch[] batches)
    {
        var buffer = new byte[2048];
        foreach (var batch in batches)
        {
            var offset = 0;
            foreach (var length in batch.Lengths)
            {
                var received = receiver.Receive(buffer);
                Assert.Equal(batch.Datagrams.Slice(offset, length).ToArray(), buffer[..received]);
                offset += length;
            }
        }

        Assert.Equal(0, receiver.Available);
    }
}
