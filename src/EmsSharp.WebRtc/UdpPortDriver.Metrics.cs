using System.Diagnostics.Metrics;

namespace EmsSharp.WebRtc;

/// <summary>
/// The port's counters: its session workers and how its datagrams leave (datagrams per system call shows what batched
/// sends save). Read through <see cref="WorkerStats"/> and <see cref="SendStats"/>, and published as
/// System.Diagnostics.Metrics instruments of meter <see cref="MeterName"/>, tagged with the worker's index.
/// </summary>
public sealed partial class UdpPortDriver
{
    /// <summary>The meter of the port's instruments.</summary>
    public const string MeterName = "EmsSharp.WebRtc";

    private Meter? _meter;

    /// <summary>This port's meter (tests tell its instruments from other ports' by it).</summary>
    internal Meter? Meter => _meter;
    private long _sendtoCalls;
    private long _batchedDatagrams;
    private long _unroutedDatagrams;

    /// <summary>Each session worker's counters, in index order.</summary>
    public IReadOnlyList<SessionWorkerStats> WorkerStats
    {
        get
        {
            var stats = new SessionWorkerStats[_workers.Workers.Count];
            for (var i = 0; i < stats.Length; i++)
            {
                stats[i] = _workers.Workers[i].Stats;
            }

            return stats;
        }
    }

    /// <summary>How the port's datagrams left so far: the send path, datagrams, and the system calls they took.</summary>
    public UdpSendStats SendStats
    {
        get
        {
            var batchCalls = _batchSender?.Calls ?? 0;
            var sendto = Interlocked.Read(ref _sendtoCalls);
            return new UdpSendStats(BatchedSendPath, sendto + Interlocked.Read(ref _batchedDatagrams), sendto + batchCalls);
        }
    }

    private void StartMetrics()
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("ems.webrtc.worker.sessions", () => Measure(static s => s.Sessions),
            description: "Sessions each session worker owns");
        _meter.CreateObservableGauge("ems.webrtc.worker.queued", () => Measure(static s => s.Queued),
            description: "Inputs waiting for each session worker");
        _meter.CreateObservableCounter("ems.webrtc.worker.inputs", () => Measure(static s => s.Inputs),
            description: "Inputs each session worker handled");
        _meter.CreateObservableCounter("ems.webrtc.worker.session_wakeups", () => Measure(static s => s.SessionWakeups),
            description: "Sessions each worker's timer woke for a due deadline");
        _meter.CreateObservableCounter("ems.webrtc.udp.datagrams_sent", () => SendStats.Datagrams,
            description: "Datagrams sent on the shared UDP port");
        _meter.CreateObservableCounter("ems.webrtc.udp.send_calls", () => SendStats.SystemCalls,
            description: "System calls that sent them (sendto, sendmmsg)");
        _meter.CreateObservableCounter("ems.webrtc.udp.unrouted", () => UnroutedDatagrams,
            description: "Datagrams other than connectivity checks from an address no session sent to (dropped)");
    }

    private Measurement<long>[] Measure(Func<SessionWorkerStats, long> figure)
    {
        var stats = WorkerStats;
        var measurements = new Measurement<long>[stats.Count];
        for (var i = 0; i < measurements.Length; i++)
        {
            measurements[i] = new Measurement<long>(figure(stats[i]), new KeyValuePair<string, object?>("worker", stats[i].Index));
        }

        return measurements;
    }
}
