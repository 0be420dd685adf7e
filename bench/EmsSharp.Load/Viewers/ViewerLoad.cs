using System.Diagnostics;
using System.Text.Json;
using EmsSharp.Load.Signalling;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The core of <c>ems-load viewers</c>: starts <see cref="ViewerOptions.Viewers"/> simulated viewers at
/// <see cref="ViewerOptions.Ramp"/> per second, waits until each is connected or failed, holds a steady phase of
/// <see cref="ViewerOptions.Duration"/>, and samples the server (/proc, the ems API) and a one-second timeline
/// meanwhile. Generic over the server: <paramref name="signalling"/> makes one viewer's signalling (ers, Janus).
/// Bounded by <see cref="ViewerOptions.Deadline"/>.
/// </summary>
internal sealed partial class ViewerLoad(ViewerOptions options, string server, Func<IViewerSignalling> signalling)
{
    /// <summary>How long one viewer may take from join to connected.</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    private const int MaxFailuresListed = 5;
    private const int DisposeParallelism = 64;

    private readonly SimulatedViewer?[] _viewers = new SimulatedViewer?[options.Viewers];
    private readonly List<ViewerTimelinePoint> _timeline = [];
    private readonly TransitHistogram _transit = new();
    private ProcessSample? _ersStart, _ersEnd;
    private long[]? _transitStart, _transitEnd;
    private ViewerReceivePool? _pool;
    private ToolSample? _toolStart, _toolEnd;

    /// <summary>Join times of the connected viewers (ms), for the chart's histogram; filled by <see cref="RunAsync"/>.</summary>
    public List<double> JoinTimes { get; } = [];

    public async Task<ViewerResult> RunAsync(TextWriter log, CancellationToken cancellationToken)
    {
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Deadline);
        using CancellationTokenSource sampling = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        TimeSpan toolCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long runStart = Stopwatch.GetTimestamp();
        await StartReceivePoolAsync(log).ConfigureAwait(false);
        DtlsCertificate certificate = DtlsCertificate.Generate("CN=ems-load");

        // The tool's own handshake code compiled and optimised before the first viewer (as the ems does at its start):
        // otherwise the first burst of joins measures this process's JIT, whichever server it joins.
        TimeSpan warmup = await DtlsWarmup.RunAsync(certificate, cancellationToken: deadline.Token).ConfigureAwait(false);
        await log.WriteLineAsync(FormattableString.Invariant($"the tool's DTLS warmed up: {DtlsWarmup.DefaultHandshakes} handshakes in {warmup.TotalMilliseconds:F0} ms")).ConfigureAwait(false);
        ProcessSample? baseline = SampleServer();
        Task sampler = SampleTimelineAsync(sampling.Token);
        ProcessSample? steadyStart = null, steadyEnd = null;
        JsonElement? serverLatency = null;
        long steadyBytes = 0;
        double steadySeconds = 0;
        try
        {
            await RampAsync(certificate, log, deadline.Token).ConfigureAwait(false);
            if (CountConnected() == 0)
            {
                await log.WriteLineAsync("no viewer connected: no steady phase").ConfigureAwait(false);
                return Summarize(0, 0, baseline, null, null, null, ToolCpuPercent(toolCpuStart, runStart));
            }

            steadyStart = SampleServer();
            _toolStart = SampleTool();
            _ersStart = Sample(options.ErsPid);
            _transitStart = _transit.Snapshot();
            await QueryDeliveryStatsAsync(reset: true, log, deadline.Token).ConfigureAwait(false);
            long bytesAtStart = TotalBytes();
            long start = Stopwatch.GetTimestamp();
            await Task.Delay(options.Duration, deadline.Token).ConfigureAwait(false);
            steadySeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            steadyBytes = TotalBytes() - bytesAtStart;
            steadyEnd = SampleServer();
            _toolEnd = SampleTool();
            _ersEnd = Sample(options.ErsPid);
            _transitEnd = _transit.Snapshot();
            serverLatency = await QueryDeliveryStatsAsync(reset: false, log, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await log.WriteLineAsync($"stopped by the deadline ({options.Deadline.TotalSeconds:F0} s) or Ctrl-C").ConfigureAwait(false);
        }
        finally
        {
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            // Receiving ends first (the counts are final, no thread uses a viewer's SRTP state while it is disposed);
            // the sockets stay open for the sessions' close_notify.
            _pool?.StopReceiving();
            await Parallel.ForEachAsync(_viewers, new ParallelOptions { MaxDegreeOfParallelism = DisposeParallelism },
                static async (viewer, _) =>
                {
                    if (viewer is not null)
                    {
                        await viewer.DisposeAsync().ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            if (_pool is not null)
            {
                await _pool.DisposeAsync().ConfigureAwait(false);
            }
        }

        await LogToolAsync(log).ConfigureAwait(false);
        return Summarize(steadySeconds, steadyBytes, baseline, steadyStart, steadyEnd, serverLatency, ToolCpuPercent(toolCpuStart, runStart));
    }

    /// <summary>This process's CPU since <paramref name="cpuStart"/>, 100 = one core.</summary>
    private static double ToolCpuPercent(TimeSpan cpuStart, long wallStart) =>
        (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds * 100 / Stopwatch.GetElapsedTime(wallStart).TotalSeconds;

    private async Task RampAsync(DtlsCertificate certificate, TextWriter log, CancellationToken token)
    {
        long start = Stopwatch.GetTimestamp();
        var joins = new Task[_viewers.Length];
        for (int i = 0; i < _viewers.Length; i++)
        {
            TimeSpan due = TimeSpan.FromSeconds(i / options.Ramp) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, token).ConfigureAwait(false);
            }

            var viewer = new SimulatedViewer(signalling(), options.Transport, options.Stream, certificate, hostCandidates: options.Janus is not null)
            {
                DropEveryNthVideoPacket = options.DropEveryNthVideoPacket,
                RelayOnly = options.Relay,
                ReceivePool = _pool,
                SrtpCheckEvery = options.SrtpCheckEvery,
                Transit = _transit,
            };
            Volatile.Write(ref _viewers[i], viewer);
            joins[i] = JoinOneAsync(viewer, token);
        }

        await Task.WhenAll(joins).ConfigureAwait(false);
        await log.WriteLineAsync($"{CountConnected()}/{_viewers.Length} viewers connected in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s")
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The shared receive threads (<see cref="ViewerOptions.ReceiveThreads"/>); none with <c>--receive-threads 0</c>, with
    /// <see cref="ViewerOptions.Relay"/> (media comes over each relay's TCP) or where the platform lacks epoll/recvmmsg.
    /// </summary>
    private async Task StartReceivePoolAsync(TextWriter log)
    {
        if (options.ReceiveThreads == 0 || options.Relay)
        {
            return;
        }

        _pool = ViewerReceivePool.TryCreate(options.ReceiveThreads, options.Viewers, options.ReceiveBufferKiB * 1024, options.UdpGro, out string? unavailable);
        if (_pool is null)
        {
            await log.WriteLineAsync($"shared receive threads unavailable ({unavailable}): a receive loop per viewer").ConfigureAwait(false);
        }
    }

    /// <summary>This process's CPU, its viewers' socket drops and the namespace's UDP receive-buffer errors, now.</summary>
    private ToolSample SampleTool() =>
        new(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, UdpReceiveDrops.Read(ViewerPorts()), UdpReceiveDrops.ReadRcvbufErrors());

    private HashSet<int> ViewerPorts()
    {
        HashSet<int> ports = [];
        foreach (SimulatedViewer? viewer in _viewers)
        {
            if (viewer is { LocalPort: > 0 })
            {
                ports.Add(viewer.LocalPort);
            }
        }

        return ports;
    }

    /// <summary>Says what the tool itself cost and dropped in the steady phase: loss the tool, not the server, caused.</summary>
    private async Task LogToolAsync(TextWriter log)
    {
        if (_toolStart is not { } start || _toolEnd is not { } end)
        {
            return;
        }

        string receive = _pool is { } pool
            ? $"{pool.Threads} shared receive thread(s), {(pool.Calls == 0 ? 0 : (double)pool.Datagrams / pool.Calls):F1} datagrams per recvmmsg"
                + (pool.UdpGro ? $", UDP_GRO on ({pool.Coalesced} reads held several datagrams)" : ", UDP_GRO off")
            : "a receive loop per viewer";
        await log.WriteLineAsync($"the tool: {end.CpuSeconds - start.CpuSeconds:F1} CPU s in the steady phase, {receive}; its sockets dropped "
            + $"{end.SocketDrops - start.SocketDrops} datagrams then (receive buffers full: the tool was too slow), the namespace's UDP "
            + $"RcvbufErrors rose by {end.RcvbufErrors - start.RcvbufErrors} (the server's sockets included)").ConfigureAwait(false);
    }

    private static async Task JoinOneAsync(SimulatedViewer viewer, CancellationToken token)
    {
        using CancellationTokenSource limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(JoinTimeout);
        try
        {
            await viewer.JoinAsync(limit.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // any failure of one viewer is that viewer's result (kept in Failure), not the run's
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task SampleTimelineAsync(CancellationToken token)
    {
        using PeriodicTimer timer = new(TimeSpan.FromSeconds(1));
        long last = Stopwatch.GetTimestamp();
        long lastBytes = 0;
        ProcessSample? lastServer = SampleServer();
        try
        {
            for (int second = 1; await timer.WaitForNextTickAsync(token).ConfigureAwait(false); second++)
            {
                long now = Stopwatch.GetTimestamp();
                double seconds = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
                long bytes = TotalBytes();
                ProcessSample? server = SampleServer();
                double? cpu = server is { } s && lastServer is { } l ? Math.Round((s.CpuSeconds - l.CpuSeconds) * 100 / seconds, 1) : null;
                _timeline.Add(new ViewerTimelinePoint(second, CountConnected(), Math.Round((bytes - lastBytes) * 8 / seconds / 1000, 1), cpu));
                (last, lastBytes, lastServer) = (now, bytes, server);
            }
        }
        catch (OperationCanceledException)
        {
            // the run ended
        }
    }

    /// <summary>CPU and RSS of <see cref="ViewerOptions.ServerPid"/>; null without one or once it exited.</summary>
    private ProcessSample? SampleServer() => Sample(options.ServerPid);

    /// <summary>CPU and RSS of <paramref name="process"/>; null without one or once it exited.</summary>
    private static ProcessSample? Sample(int? process)
    {
        try
        {
            return process is { } pid ? ProcessSample.Read(pid) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private long TotalBytes()
    {
        long total = 0;
        for (int i = 0; i < _viewers.Length; i++)
        {
            total += Volatile.Read(ref _viewers[i])?.Bytes ?? 0;
        }

        return total;
    }

    private int CountConnected()
    {
        int connected = 0;
        for (int i = 0; i < _viewers.Length; i++)
        {
            connected += Volatile.Read(ref _viewers[i]) is { Connected: true } ? 1 : 0;
        }

        return connected;
    }
}
