using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Load.Viewers;

/// <summary>What one <c>ems-load viewers</c> run measured (stdout and <c>--out</c>); the names are the contract.</summary>
internal sealed record ViewerResult
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public required string Label { get; init; }

    /// <summary><c>ems</c> or <c>janus</c>.</summary>
    public required string Server { get; init; }

    public required string Transport { get; init; }

    /// <summary>Every viewer through its own TURN relay over TCP on the ers (<c>--relay</c>).</summary>
    public bool Relay { get; init; }

    public required int Viewers { get; init; }

    public required int Connected { get; init; }

    /// <summary>Viewers that did not connect or received no media.</summary>
    public required int Failed { get; init; }

    /// <summary>The first few failure reasons, with the viewer's index.</summary>
    public required IReadOnlyList<string> Failures { get; init; }

    /// <summary>The steady phase as measured.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Join start to ICE + DTLS connected.</summary>
    public ViewerPercentiles? JoinMs { get; init; }

    /// <summary>Join start to the first IDR (srtp) or the first fragment after the init segment (fmp4).</summary>
    public ViewerPercentiles? FirstKeyframeMs { get; init; }

    public required long Packets { get; init; }

    /// <summary>srtp: the H.264 packets of <see cref="Packets"/> (0 in fmp4, where one message holds both tracks).</summary>
    public required long VideoPackets { get; init; }

    /// <summary>srtp: the Opus (or other audio) packets of <see cref="Packets"/>.</summary>
    public required long AudioPackets { get; init; }

    public required long Bytes { get; init; }

    public required long Lost { get; init; }

    public required double LossPercent { get; init; }

    /// <summary>Packets that arrived twice (each a retransmission answering a repeated NACK, on a sound network).</summary>
    public required long Duplicates { get; init; }

    /// <summary>Packets refused for arriving behind the SRTP replay window (1,024 packets) or the sequence window.</summary>
    public required long TooLate { get; init; }

    /// <summary>NACKs repeated because the first retransmission had not arrived within the retry interval.</summary>
    public required long RepeatedNacks { get; init; }

    /// <summary>Packets whose SRTP tag did not verify, among the checked ones (<see cref="SrtpCheckedPackets"/>: sampled).</summary>
    public required long AuthFailures { get; init; }

    /// <summary>Sequence numbers asked for again by generic NACK.</summary>
    public required long NacksSent { get; init; }

    /// <summary>Mean receive rate of a connected viewer over the steady phase.</summary>
    public required double KbpsPerViewer { get; init; }

    /// <summary>Server CPU (utime + stime) in the steady phase per viewer and minute.</summary>
    public double? ServerCpuSecondsPerViewerMinute { get; init; }

    /// <summary>ers CPU (utime + stime) in the steady phase per viewer and minute (<c>--ers-pid</c>).</summary>
    public double? ErsCpuSecondsPerViewerMinute { get; init; }

    /// <summary>
    /// One-way transit of the steady phase's RTP packets, from the ems's send (abs-send-time) to the viewer's receive (the
    /// arrival in its socket with shared receive threads, the read without), in ms; null without abs-send-time or off loopback.
    /// </summary>
    public ViewerPercentiles? TransitMs { get; init; }

    /// <summary>Packets <see cref="TransitMs"/> counts.</summary>
    public long TransitSamples { get; init; }

    public long? ServerRssBytesBaseline { get; init; }

    /// <summary>(server RSS at the end of the steady phase − baseline) / viewers.</summary>
    public long? ServerRssBytesPerViewer { get; init; }

    /// <summary>The server's threads before the first viewer joined (<c>/proc/&lt;pid&gt;/status</c>).</summary>
    public int? ServerThreadsBaseline { get; init; }

    /// <summary>The server's threads at the end of the steady phase, every viewer connected.</summary>
    public int? ServerThreadsSteady { get; init; }

    /// <summary>This tool's CPU over the run, 100 = one core.</summary>
    public required double LoadToolCpuPercent { get; init; }

    /// <summary>This tool's CPU (utime + stime) in the steady phase per viewer and minute, beside the server's.</summary>
    public double? ToolCpuSecondsPerViewerMinute { get; init; }

    /// <summary>
    /// Datagrams the kernel dropped on the viewers' own sockets in the steady phase (receive buffer full,
    /// <c>/proc/net/udp</c> drops): loss the tool caused, not the server.
    /// </summary>
    public long? ToolSocketDrops { get; init; }

    /// <summary>The network namespace's UDP <c>RcvbufErrors</c> in the steady phase (<c>/proc/net/snmp</c>; the server's sockets too).</summary>
    public long? UdpRcvbufErrors { get; init; }

    /// <summary>Shared receive threads reading every viewer's socket; 0 = a receive loop per viewer.</summary>
    public int ReceiveThreads { get; init; }

    /// <summary>Mean datagrams per <c>recvmmsg</c> call of the shared receive threads; null without them.</summary>
    public double? DatagramsPerReceiveCall { get; init; }

    /// <summary>Whether the shared receive threads took GSO datagrams whole (<c>--udp-gro</c>); null without them.</summary>
    public bool? UdpGro { get; init; }

    /// <summary>srtp: each viewer authenticates and decrypts one packet in this many after its first keyframe (1 = all).</summary>
    public int? SrtpCheckEvery { get; init; }

    /// <summary>SRTP packets authenticated and decrypted, over every viewer.</summary>
    public long SrtpCheckedPackets { get; init; }

    /// <summary>Which figures are sampled, and how; null when none is.</summary>
    public string? Sampled { get; init; }

    /// <summary>The <c>data</c> of the ems's <c>getDeliveryStats</c> at the end of the steady phase, verbatim.</summary>
    public JsonElement? ServerLatency { get; init; }

    public required IReadOnlyList<ViewerTimelinePoint> Timeline { get; init; }
}
