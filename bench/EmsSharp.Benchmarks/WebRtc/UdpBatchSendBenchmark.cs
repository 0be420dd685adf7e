using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using EmsSharp.WebRtc;

namespace EmsSharp.Benchmarks.WebRtc;

/// <summary>
/// One GOP of video (105 RTP-sized datagrams) from the UDP port to each of N loopback receivers, the three ways
/// <see cref="UdpPortDriver.SendBatch"/> can go, in the same run: one <c>sendto</c> per datagram (the portable path,
/// the baseline), one <c>sendmmsg</c> per batch, and <c>sendmmsg</c> with UDP GSO. Two shapes: the whole GOP as one
/// batch of 1,200 B datagrams (the best case), and one batch per access unit as the srtp sender sends (a 20 kB
/// keyframe of 18 packets: STAP-A, 16 full FU-A, a shorter last one; 29 frames of 3 packets). µs per packet =
/// Mean / (105 × N). The receivers are not read while it runs: their queues fill and the kernel drops there, the same
/// work for every method (what a NIC would cost instead is not in it). System calls per packet are counted and
/// printed at the end of each run (<c>sendto</c>: one per datagram by construction).
/// </summary>
[MemoryDiagnoser]
public class UdpBatchSendBenchmark
{
    private const int Packets = 105;
    private UdpPortDriver _sendto = null!;
    private UdpPortDriver _sendmmsg = null!;
    private UdpPortDriver _gso = null!;
    private Socket[] _receivers = [];
    private IPEndPoint[] _destinations = [];
    private DatagramBatch[] _batches = [];
    private long _sent;

    /// <summary>Receivers (viewers) the GOP goes to.</summary>
    [Params(1, 4)]
    public int Destinations { get; set; }

    /// <summary><c>gop</c>: one batch of 105 × 1,200 B; <c>frames</c>: one batch per access unit (30).</summary>
    [Params("gop", "frames")]
    public string Shape { get; set; } = "gop";

    [GlobalSetup]
    public void Setup()
    {
        _sendto = Start(UdpBatchMode.Off);
        _sendmmsg = Start(UdpBatchMode.Sendmmsg);
        _gso = Start(UdpBatchMode.Auto);
        if (_gso.BatchedSendPath != "sendmmsg+gso" || _sendmmsg.BatchedSendPath != "sendmmsg")
        {
            throw new InvalidOperationException("this machine has no sendmmsg/GSO: " + _gso.BatchedSendPath);
        }

        _receivers = new Socket[Destinations];
        _destinations = new IPEndPoint[Destinations];
        for (var i = 0; i < Destinations; i++)
        {
            _receivers[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _receivers[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _destinations[i] = (IPEndPoint)_receivers[i].LocalEndPoint!;
        }

        int[][] units = Shape == "gop"
            ? [[.. Enumerable.Repeat(1_200, Packets)]]
            : [[40, .. Enumerable.Repeat(1_240, 16), 700], .. Enumerable.Repeat<int[]>([1_240, 1_240, 1_100], 29)];
        var random = new Random(1);
        _batches = new DatagramBatch[units.Length];
        for (var u = 0; u < units.Length; u++)
        {
            _batches[u] = new DatagramBatch(units[u].Sum(), units[u].Length);
            foreach (var length in units[u])
            {
                random.NextBytes(_batches[u].Free[..length]);
                _batches[u].Add(length);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // BenchmarkDotNet runs each case in a process of its own: only the port that case drove counted calls.
        foreach (var (name, port) in new[] { ("sendmmsg", _sendmmsg), ("sendmmsg+gso", _gso) })
        {
            if (port.BatchSendCalls > 0)
            {
                Console.WriteLine($"// {name}: {port.BatchSendCalls} system calls for {_sent} packets = " +
                    $"{(double)port.BatchSendCalls / _sent:F4} per packet ({Shape}, {Destinations} destinations)");
            }
        }

        foreach (var receiver in _receivers)
        {
            receiver.Dispose();
        }

        _sendto.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sendmmsg.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _gso.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "sendto per packet")]
    public void SendTo() => SendGop(_sendto);

    [Benchmark(Description = "sendmmsg per batch")]
    public void Sendmmsg() => SendGop(_sendmmsg);

    [Benchmark(Description = "sendmmsg + UDP GSO")]
    public void Gso() => SendGop(_gso);

    private static UdpPortDriver Start(UdpBatchMode mode) =>
        UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedSends = mode });

    private void SendGop(UdpPortDriver port)
    {
        foreach (var destination in _destinations)
        {
            foreach (var batch in _batches)
            {
                port.SendBatch(batch.Datagrams, batch.Lengths, destination);
            }
        }

        _sent += Packets * _destinations.Length;
    }
}
