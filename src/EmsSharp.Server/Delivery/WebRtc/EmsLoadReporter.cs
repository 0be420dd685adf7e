using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The ems's <c>emsLoad</c> report to its ERS rooms (ours, issue 17; docs/OPERATIONS.md "Several ems in one room"):
/// <c>{"viewers","maxViewers","cpu","kbps","streams","full"}</c> (and <c>"more":true</c> past
/// <see cref="MaxStreams"/> streams or <see cref="MaxStreamsBytes"/> of names). One timer for the whole ems measures every <see cref="Interval"/> and raises
/// <see cref="Reported"/>; a change of <c>full</c> or of <c>streams</c> raises it at once with the last interval's cpu and
/// kbps. Each room sends the report it is given on its joined ERS connection, and <see cref="Current"/> right after its join
/// is acked. Measuring reads the viewers' own byte counters and the process's CPU time, nothing on the media path.
/// </summary>
internal sealed class EmsLoadReporter : IDisposable
{
    /// <summary>How often the report is measured and sent.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>The most stream names in a report (the contract's limit; the ERS refuses a longer list).</summary>
    public const int MaxStreams = 64;

    /// <summary>
    /// Most bytes the stream names may take in the event: the ERS closes a socket whose frame passes its
    /// <c>limits.maxFrameLength</c> (64 KB by default), and a name's every <c>+</c> goes out as <c>\u002B</c>, so 64 names
    /// of 256 characters could pass it. Past this, fewer names are sent, with <c>"more":true</c>.
    /// </summary>
    public const int MaxStreamsBytes = 48 * 1024;

    private readonly StreamHub _hub;
    private readonly ViewerCap _viewers;
    private readonly OutboundStreamRegistry _outputs;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _cpuTime;
    private readonly int _processors;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private long _sampledAt;
    private TimeSpan _sampledCpu;
    private long _sampledBytes;
    private double _cpu;
    private long _kbps;
    private string[] _streams = [];
    private bool _more;
    private int _count;
    private bool _full;
    private JsonElement _current;

    /// <param name="hub">The inbound streams (<c>streams</c>).</param>
    /// <param name="viewers">The viewer sessions and their cap (<c>viewers</c>, <c>maxViewers</c>, <c>full</c>).</param>
    /// <param name="outputs">The outputs, whose WebRTC viewers' bytes make <c>kbps</c>.</param>
    /// <param name="time">The clock of the interval and the timer.</param>
    /// <param name="cpuTime">The process's CPU time so far; <see cref="Environment.CpuUsage"/> by default (tests pass their own).</param>
    /// <param name="processors">The machine's processors, <c>cpu</c>'s 100 %; <see cref="Environment.ProcessorCount"/> when 0.</param>
    public EmsLoadReporter(StreamHub hub, ViewerCap viewers, OutboundStreamRegistry outputs, TimeProvider time,
        Func<TimeSpan>? cpuTime = null, int processors = 0)
    {
        _hub = hub;
        _viewers = viewers;
        _outputs = outputs;
        _time = time;
        _cpuTime = cpuTime ?? (static () => Environment.CpuUsage.TotalTime);
        _processors = processors > 0 ? processors : Environment.ProcessorCount;
        lock (_gate)
        {
            _sampledAt = time.GetTimestamp();
            _sampledCpu = _cpuTime();
            _sampledBytes = outputs.WebRtcBytes();
            Refresh(measure: false);
            _current = Serialize();
        }

        hub.StreamCreated += OnStreamChanged;
        hub.StreamClosed += OnStreamChanged;
        viewers.FullChanged += OnChanged;
        _timer = time.CreateTimer(static state => ((EmsLoadReporter)state!).Tick(), this, Interval, Interval);
    }

    /// <summary>A report to send on every joined ERS connection: every <see cref="Interval"/>, and when <c>full</c> or <c>streams</c> changed.</summary>
    public event Action<JsonElement>? Reported;

    /// <summary>The report now (viewers, streams, full as they are; cpu and kbps of the last interval), for a room that just joined.</summary>
    public JsonElement Current
    {
        get
        {
            JsonElement report;
            bool changed;
            lock (_gate)
            {
                changed = Refresh(measure: false);
                report = _current = Serialize();
            }

            if (changed)
                Reported?.Invoke(report);
            return report;
        }
    }

    public void Dispose()
    {
        _hub.StreamCreated -= OnStreamChanged;
        _hub.StreamClosed -= OnStreamChanged;
        _viewers.FullChanged -= OnChanged;
        _timer.Dispose();
    }

    private void Tick()
    {
        JsonElement report;
        lock (_gate)
        {
            Refresh(measure: true);
            report = _current = Serialize();
        }

        Reported?.Invoke(report);
    }

    private void OnStreamChanged(LiveStream stream) => OnChanged();

    private void OnChanged()
    {
        JsonElement report;
        lock (_gate)
        {
            if (!Refresh(measure: false))
                return;
            report = _current = Serialize();
        }

        Reported?.Invoke(report);
    }

    // Under the gate: takes viewers, streams and full as they are now and, when measure is set, cpu and kbps over the
    // time since the last measure. True when full or streams changed.
    private bool Refresh(bool measure)
    {
        if (measure)
        {
            var now = _time.GetTimestamp();
            var cpu = _cpuTime();
            var bytes = _outputs.WebRtcBytes();
            var seconds = _time.GetElapsedTime(_sampledAt, now).TotalSeconds;
            if (seconds > 0)
            {
                _cpu = Math.Round(Math.Clamp((cpu - _sampledCpu).TotalSeconds / (seconds * _processors) * 100, 0, 100), 1);
                _kbps = (long)Math.Round(Math.Max(0, bytes - _sampledBytes) * 8 / 1000.0 / seconds);
                (_sampledAt, _sampledCpu, _sampledBytes) = (now, cpu, bytes);
            }
        }

        var live = _hub.GetStreams();
        var names = new string[live.Count];
        for (var i = 0; i < names.Length; i++)
            names[i] = live[i].Name;
        Array.Sort(names, StringComparer.Ordinal);
        var listed = 0;
        for (var bytes = 0; listed < Math.Min(names.Length, MaxStreams); listed++)
        {
            bytes += JsonBytes(names[listed]);
            if (bytes > MaxStreamsBytes)
                break;
        }

        var more = listed < names.Length;
        if (more)
            names = names[..listed];
        var count = _viewers.Count;
        var full = _viewers.Max > 0 && count >= _viewers.Max;
        var changed = full != _full || more != _more || !names.AsSpan().SequenceEqual(_streams);
        (_streams, _more, _count, _full) = (names, more, count, full);
        return changed;
    }

    // A stream name's bytes in the event's JSON: quotes and comma, and each '+' escaped (StreamName allows no other
    // character System.Text.Json's default encoder escapes).
    private static int JsonBytes(string name) => name.Length + 3 + (5 * name.AsSpan().Count('+'));

    // Under the gate.
    private JsonElement Serialize()
    {
        var streams = new JsonArray();
        foreach (var name in _streams)
            streams.Add(name);
        var report = new JsonObject
        {
            ["viewers"] = _count,
            ["maxViewers"] = _viewers.Max,
            ["cpu"] = _cpu,
            ["kbps"] = _kbps,
            ["streams"] = streams,
            ["full"] = _full,
        };
        if (_more)
            report["more"] = true;
        return JsonSerializer.SerializeToElement(report);
    }
}
