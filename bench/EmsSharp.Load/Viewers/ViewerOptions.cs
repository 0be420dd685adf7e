using System.Globalization;
using System.Net;
using EmsSharp.Load.Signalling;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// Options of <c>ems-load viewers</c>. Every run is bounded: at most <see cref="MaxViewers"/> viewers, a steady
/// phase of at most <see cref="MaxDurationSeconds"/> s, loopback addresses only, and an overall <see cref="Deadline"/>.
/// </summary>
internal sealed class ViewerOptions
{
    public const int MaxViewers = 2000;
    public const int MaxDurationSeconds = 600;
    public const int MaxReceiveThreads = 16;
    public const int DefaultReceiveThreads = 1;
    public const int MaxReceiveBufferKiB = 65536;
    public const int DefaultReceiveBufferKiB = 4096;
    public const string Usage = "Usage: ems-load viewers (--ers 127.0.0.1:PORT --room ROOM --stream NAME [--transport srtp|fmp4] [--relay] [--ers-pid PID]"
        + " | --janus ws://127.0.0.1:PORT --mountpoint ID) [--viewers N (1..2000, default 10)] [--ramp PER_SECOND (default 50)] [--duration S (steady phase, 1..600, default 30)]"
        + " [--receive-threads K (0..16, default 1; 0 = a receive loop per viewer)] [--srtp-check-every N (1..1024, default 16; 1 = every packet)]"
        + " [--receive-buffer KIB (SO_RCVBUF of each viewer socket with shared receive threads, capped by net.core.rmem_max; default 4096, 0 = the system's)]"
        + " [--udp-gro on|off (shared receive threads take the server's GSO datagrams whole and split them; default on)]"
        + " [--server-pid PID] [--api http://127.0.0.1:PORT] [--label TEXT] [--out result.json] [--chart result.html]";

    /// <summary>Slack on top of the ramp and the steady phase before the run gives up.</summary>
    public static readonly TimeSpan DeadlineSlack = TimeSpan.FromSeconds(60);

    /// <summary>The <c>ers</c>, e.g. <c>http://127.0.0.1:4545/</c>; null for a Janus run.</summary>
    public Uri? Ers { get; init; }

    public string Room { get; init; } = string.Empty;

    public string Stream { get; init; } = string.Empty;

    /// <summary>Janus's WebSocket API (the comparison runs), e.g. <c>ws://127.0.0.1:8188/</c>; null for an ems run.</summary>
    public Uri? Janus { get; init; }

    /// <summary>The Janus streaming mountpoint to watch.</summary>
    public long Mountpoint { get; init; }

    /// <summary><c>ems</c> or <c>janus</c>, as written to the result.</summary>
    public string ServerName => Janus is null ? "ems" : "janus";

    public ViewerTransport Transport { get; init; } = ViewerTransport.Srtp;

    public int Viewers { get; init; } = 10;

    /// <summary>Viewers started per second.</summary>
    public double Ramp { get; init; } = 50;

    /// <summary>The steady phase, once every viewer joined (or failed).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The server process to sample from /proc (CPU, RSS); null to skip.</summary>
    public int? ServerPid { get; init; }

    /// <summary>
    /// Threads that read every viewer's socket (<see cref="ViewerReceivePool"/>: epoll + recvmmsg, Linux); 0 gives each
    /// viewer its own port driver and receive loop, as before (also where the pool is unavailable, and with <see cref="Relay"/>).
    /// </summary>
    public int ReceiveThreads { get; init; } = DefaultReceiveThreads;

    /// <summary>SO_RCVBUF of each viewer socket read by the shared receive threads, in KiB; 0 keeps the system's default.</summary>
    public int ReceiveBufferKiB { get; init; } = DefaultReceiveBufferKiB;

    /// <summary>
    /// The shared receive threads' sockets take a GSO datagram whole (<c>UDP_GRO</c>) and split it themselves, so the
    /// kernel does not cut the server's GSO datagrams for them inside the server's own send call (over loopback the
    /// receiver's work is charged to the sender; a viewer on another host does it on its own CPU).
    /// </summary>
    public bool UdpGro { get; init; } = true;

    /// <summary>Each viewer authenticates and decrypts one SRTP packet in this many once it has its first keyframe (1 = all).</summary>
    public int SrtpCheckEvery { get; init; } = SrtpSampler.DefaultEvery;

    /// <summary>
    /// Every viewer through its own TURN relay over TCP on the ers (the <c>turn:…?transport=tcp</c> entry it is handed),
    /// ICE transport policy "relay": a viewer whose UDP is blocked. One that selects another path counts as failed.
    /// </summary>
    public bool Relay { get; init; }

    /// <summary>The ers process to sample from /proc (CPU: signalling, and the TURN relay with <see cref="Relay"/>); null to skip.</summary>
    public int? ErsPid { get; init; }

    /// <summary>The ems HTTP API for <c>getDeliveryStats</c>; null to skip.</summary>
    public Uri? Api { get; init; }

    public string? Label { get; init; }

    /// <summary>
    /// Tests only (no command-line flag): each viewer drops every Nth H.264 datagram on arrival, before SRTP, as a
    /// lossy network would, so the server's NACK answers can be proven; 0 drops nothing.
    /// </summary>
    internal int DropEveryNthVideoPacket { get; init; }

    public string? OutPath { get; init; }

    public string? ChartPath { get; init; }

    /// <summary>How long starting every viewer takes at <see cref="Ramp"/>.</summary>
    public TimeSpan RampTime => TimeSpan.FromSeconds(Viewers / Ramp);

    /// <summary>The hard limit of the whole run: ramp + duration + <see cref="DeadlineSlack"/>.</summary>
    public TimeSpan Deadline => RampTime + Duration + DeadlineSlack;

    public string TransportName => Transport == ViewerTransport.Fmp4 ? "fmp4" : "srtp";

    public static bool TryParse(ReadOnlySpan<string> args, out ViewerOptions? options, out string? error)
    {
        options = null;
        Uri? ers = null, api = null, janus = null;
        long mountpoint = 0;
        string? room = null, stream = null, label = null, output = null, chart = null;
        var transport = ViewerTransport.Srtp;
        int viewers = 10, duration = 30, receiveThreads = DefaultReceiveThreads, checkEvery = SrtpSampler.DefaultEvery;
        int receiveBuffer = DefaultReceiveBufferKiB;
        int? pid = null, ersPid = null;
        bool relay = false, udpGro = true;
        double ramp = 50;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--relay")
            {
                relay = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value. {Usage}";
                return false;
            }

            string value = args[++i];
            error = name switch
            {
                "--ers" => SignallingOptions.TryParseLoopback(value, out ers) ? null
                    : $"--ers {value}: give a loopback host:port such as 127.0.0.1:4545 (the tool only loads this machine)",
                "--room" => Take(value, out room) ?? (room.Length > 0 ? null : "--room must not be empty"),
                "--stream" => Take(value, out stream) ?? (stream.Length > 0 ? null : "--stream must not be empty"),
                "--transport" => TryParseTransport(value, out transport) ? null : $"--transport {value}: use srtp or fmp4",
                "--viewers" => SignallingOptions.TryInt(value, 1, MaxViewers, out viewers) ? null : $"--viewers {value}: give 1..{MaxViewers}",
                "--ramp" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out ramp) && ramp is >= 0.1 and <= 10_000
                    ? null : $"--ramp {value}: give viewers per second, 0.1..10000",
                "--duration" => SignallingOptions.TryInt(value, 1, MaxDurationSeconds, out duration) ? null
                    : $"--duration {value}: give the steady phase in seconds, 1..{MaxDurationSeconds}",
                "--receive-threads" => SignallingOptions.TryInt(value, 0, MaxReceiveThreads, out receiveThreads) ? null
                    : $"--receive-threads {value}: give 0..{MaxReceiveThreads} (0 = a receive loop per viewer)",
                "--receive-buffer" => SignallingOptions.TryInt(value, 0, MaxReceiveBufferKiB, out receiveBuffer) ? null
                    : $"--receive-buffer {value}: give KiB, 0..{MaxReceiveBufferKiB} (0 = the system's default)",
                "--udp-gro" => TryParseOnOff(value, out udpGro) ? null : $"--udp-gro {value}: use on or off",
                "--srtp-check-every" => SignallingOptions.TryInt(value, 1, SrtpSampler.MaxEvery, out checkEvery) ? null
                    : $"--srtp-check-every {value}: give 1..{SrtpSampler.MaxEvery} (1 = authenticate every packet)",
                "--server-pid" => TryParsePid(value, out pid) ? null
                    : $"--server-pid {value}: no such process in /proc",
                "--ers-pid" => TryParsePid(value, out ersPid) ? null
                    : $"--ers-pid {value}: no such process in /proc",
                "--janus" => TryParseLoopbackUri(value, "ws", out janus) ? null
                    : $"--janus {value}: give Janus's WebSocket API on loopback, e.g. ws://127.0.0.1:8188",
                "--mountpoint" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out mountpoint) && mountpoint > 0
                    ? null : $"--mountpoint {value}: give the streaming mountpoint id (a positive number)",
                "--api" => TryParseLoopbackUri(value, Uri.UriSchemeHttp, out api) ? null : $"--api {value}: give the ems HTTP API on loopback, e.g. http://127.0.0.1:7777",
                "--label" => Take(value, out label),
                "--out" => Take(value, out output),
                "--chart" => Take(value, out chart),
                _ => $"Unknown option {name}. {Usage}",
            };
            if (error is not null)
            {
                return false;
            }
        }

        error = (ers, janus) switch
        {
            (null, null) => $"Give --ers with --room and --stream (an ems), or --janus with --mountpoint. {Usage}",
            ({ }, { }) => "Give --ers or --janus, not both",
            ({ }, null) when room is null || stream is null => $"--ers needs --room and --stream. {Usage}",
            (null, { }) when mountpoint == 0 => "--janus needs --mountpoint",
            (null, { }) when transport != ViewerTransport.Srtp => "--janus serves srtp only (its streaming plugin sends RTP)",
            (null, { }) when relay || ersPid is not null => "--relay and --ers-pid need --ers (its bundled TURN server)",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        options = new ViewerOptions
        {
            Ers = ers,
            Room = room ?? string.Empty,
            Stream = stream ?? string.Empty,
            Janus = janus,
            Mountpoint = mountpoint,
            Transport = transport,
            Viewers = viewers,
            Ramp = ramp,
            Duration = TimeSpan.FromSeconds(duration),
            ServerPid = pid,
            ReceiveThreads = receiveThreads,
            SrtpCheckEvery = checkEvery,
            ReceiveBufferKiB = receiveBuffer,
            UdpGro = udpGro,
            Relay = relay,
            ErsPid = ersPid,
            Api = api,
            Label = label,
            OutPath = output,
            ChartPath = chart,
        };
        error = null;
        return true;
    }

    /// <summary>Stores a string option; never an error.</summary>
    private static string? Take(string value, out string target)
    {
        target = value;
        return null;
    }

    private static bool TryParseOnOff(string value, out bool on)
    {
        on = value == "on";
        return on || value == "off";
    }

    private static bool TryParseTransport(string value, out ViewerTransport transport)
    {
        (bool ok, transport) = value switch
        {
            "srtp" => (true, ViewerTransport.Srtp),
            "fmp4" => (true, ViewerTransport.Fmp4),
            _ => (false, ViewerTransport.Srtp),
        };
        return ok;
    }

    /// <summary>A process id that /proc knows (the server to sample).</summary>
    private static bool TryParsePid(string value, out int? pid)
    {
        pid = SignallingOptions.TryInt(value, 1, int.MaxValue, out int p) && File.Exists($"/proc/{p}/stat") ? p : null;
        return pid is not null;
    }

    /// <summary>An absolute <paramref name="scheme"/> URL whose host is a loopback address or <c>localhost</c>.</summary>
    private static bool TryParseLoopbackUri(string value, string scheme, out Uri? result)
    {
        result = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme != scheme
            || !(uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip))))
        {
            return false;
        }

        result = scheme == Uri.UriSchemeHttp ? new Uri(uri.GetLeftPart(UriPartial.Authority) + "/") : uri;
        return true;
    }
}
