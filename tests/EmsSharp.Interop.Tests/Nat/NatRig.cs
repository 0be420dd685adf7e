using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using Microsoft.Playwright;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// One NAT matrix cell as a user would run it: a <see cref="NetNsTopology"/>, the built <c>ers</c> (config with
/// empty stunservers/turnservers, serving web/) in the ers namespace, the built <c>ems</c> (samples/test.flv
/// looping as <c>test</c>, WebRTC defaults) in the ems namespace joined to the room by <c>startWebrtc</c> on its
/// HTTP API, and headless Chromium in the viewer namespace opening player pages from the ers.
/// </summary>
internal sealed class NatRig : IAsyncDisposable
{
    public const string Room = "nat";
    private const int ErsPort = 4545;
    private const int EmsHttpPort = 7777;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstFrameTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan WatchFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(3);
    private const int MinimumFramesInWatch = 120;

    private const string IceScript = """
        async () => {
          const p = window.player;
          if (!p || !p.pc) return JSON.stringify({ pc: false });
          const all = {};
          let pairId = null;
          (await p.pc.getStats()).forEach(s => {
            all[s.id] = s;
            if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
          });
          const c = s => s ? { type: s.candidateType, protocol: s.protocol, relayProtocol: s.relayProtocol || '',
                               address: s.address || '', port: s.port || 0 } : null;
          const list = t => Object.values(all).filter(s => s.type === t);
          const pair = pairId ? all[pairId] : null;
          return JSON.stringify({
            pc: true, ice: p.pc.iceConnectionState, connection: p.pc.connectionState, gathering: p.pc.iceGatheringState,
            selected: pair ? { local: c(all[pair.localCandidateId]), remote: c(all[pair.remoteCandidateId]) } : null,
            local: list('local-candidate').map(c), remote: list('remote-candidate').map(c),
            pairs: list('candidate-pair').map(x => ({ local: c(all[x.localCandidateId]), remote: c(all[x.remoteCandidateId]),
              state: x.state, requestsSent: x.requestsSent || 0, responsesReceived: x.responsesReceived || 0,
              requestsReceived: x.requestsReceived || 0 }))
          });
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("ems-nat-").FullName;
    private NetNsTopology? _topology;
    private LoggedProcess? _ers;
    private LoggedProcess? _ems;
    private NamespacedChromium? _chromium;

    private NatRig()
    {
    }

    public NetNsTopology Topology => _topology!;

    /// <summary>Builds the topology and starts ers, ems (joined to <see cref="Room"/>) and Chromium; a failure cleans up.</summary>
    public static async Task<NatRig> StartAsync(NetworkKind ems, NetworkKind viewer)
    {
        var rig = new NatRig();
        try
        {
            await rig.StartAsync(NetNsTopology.Create(ems, viewer));
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>The last lines of the ems and the ers.</summary>
    public string ServerTails(int count) => $"{_ems?.Tail(count)}\n{_ers?.Tail(count)}";

    /// <summary>
    /// Opens evoplayers.html with <paramref name="transport"/> (autoplay) in the viewer's browser and watches it:
    /// a first decoded frame within 20 s, then decoded frames rising for 10 s (at least 120, never still for 3 s).
    /// </summary>
    public async Task<NatPlaybackOutcome> PlayAsync(string transport)
    {
        var console = new List<string>();
        var page = await _chromium!.NewPageAsync(console);
        var url = $"http://{NetNsTopology.ErsAddress}:{ErsPort}/evoplayers.html?ers={NetNsTopology.ErsAddress}:{ErsPort}"
            + $"&room={Room}&stream=test&transport={transport}&autoplay=1";
        await page.GotoAsync(url, new PageGotoOptions { Timeout = 15_000 });

        // Waits run inside the page (Playwright re-evaluates the condition every 100 ms there), bounded in time.
        string? failure = null;
        if (!await FramesAboveAsync(page, 0, FirstFrameTimeout))
            failure = $"no decoded frame in {FirstFrameTimeout.TotalSeconds:0} s";

        var first = Frames(await StatsAsync(page));
        var last = first;
        if (failure is null)
        {
            // Frames must keep rising for the whole watch: never still for StallLimit.
            var start = DateTime.UtcNow;
            while (DateTime.UtcNow - start < WatchFor && failure is null)
            {
                if (await FramesAboveAsync(page, last, StallLimit))
                    last = Frames(await StatsAsync(page));
                else
                    failure = $"decoded frames stopped at {last} after {(DateTime.UtcNow - start - StallLimit).TotalSeconds:0.0} s of watching";
            }

            if (failure is null && last - first < MinimumFramesInWatch)
                failure = $"only {last - first} frames decoded in {WatchFor.TotalSeconds:0} s";
        }

        var stats = await StatsAsync(page);
        var ice = JsonDocument.Parse(await page.EvaluateAsync<string>(IceScript)).RootElement.Clone();
        var selected = ice.TryGetProperty("selected", out var pair) && pair.ValueKind == JsonValueKind.Object
            ? $"selected pair: local {Candidate(pair.GetProperty("local"))} -> remote {Candidate(pair.GetProperty("remote"))}"
            : "no selected pair";
        var summary = failure is null
            ? $"plays, frames {first} -> {last} in {WatchFor.TotalSeconds:0} s; {selected}"
            : $"FAILS: {failure}; {State(ice)}; {selected}; player's last error: \"{LastError(stats)}\"";

        var detail = new StringBuilder();
        detail.AppendLine(CultureInfo.InvariantCulture, $"[{transport}] {summary}");
        detail.AppendLine(CultureInfo.InvariantCulture, $"  player stats: {stats.GetRawText()}");
        if (ice.TryGetProperty("local", out var locals))
        {
            detail.AppendLine("  viewer's candidates: " + string.Join(", ", locals.EnumerateArray().Select(Candidate)));
            var remotes = ice.GetProperty("remote").EnumerateArray().Select(Candidate);
            detail.AppendLine("  ems's candidates (as the viewer got them): " + string.Join(", ", remotes));
            foreach (var p in ice.GetProperty("pairs").EnumerateArray())
            {
                detail.AppendLine(CultureInfo.InvariantCulture,
                    $"  pair {Candidate(p.GetProperty("local"))} -> {Candidate(p.GetProperty("remote"))}: {p.GetProperty("state")}, "
                    + $"requests sent {p.GetProperty("requestsSent")}, responses received {p.GetProperty("responsesReceived")}, "
                    + $"requests received {p.GetProperty("requestsReceived")}");
            }
        }

        detail.AppendLine("  page: " + (await page.EvaluateAsync<string>("() => document.body.innerText")).ReplaceLineEndings(" | "));
        lock (console)
        {
            foreach (var line in console.TakeLast(15))
                detail.AppendLine("  console " + line);
        }

        return new NatPlaybackOutcome(transport, failure is null, summary, detail.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
            await _chromium.DisposeAsync();
        _ems?.Dispose();
        _ers?.Dispose();
        _topology?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task StartAsync(NetNsTopology topology)
    {
        _topology = topology;
        var root = PlaybackRig.FindRepositoryRoot();
        var configuration = typeof(NatRig).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var ersDll = Path.Combine(root, "src", "EmsSharp.Rendezvous", "bin", configuration, "net10.0", "ers.dll");
        var emsDll = Path.Combine(root, "src", "EmsSharp.Server", "bin", configuration, "net10.0", "ems.dll");
        foreach (var dll in new[] { ersDll, emsDll })
        {
            if (!File.Exists(dll))
                throw new FileNotFoundException($"build the solution with -c {configuration} first", dll);
        }

        // The ers as scripts/demo configures it: signalling and the player pages on 4545, no STUN/TURN servers.
        var ersConfig = Path.Combine(_folder, "ers.json");
        await File.WriteAllTextAsync(ersConfig, JsonSerializer.Serialize(new
        {
            server = new { port = ErsPort, secure = false, webServerEnabled = true, webRoot = Path.Combine(root, "web") },
            allowedrooms = Array.Empty<string>(),
            emsTokens = Array.Empty<string>(),
            stunservers = Array.Empty<object>(),
            turnservers = Array.Empty<object>(),
        }));
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        _ers = NamespacedProcess.Start(topology, topology.Ers, "ers", dotnet, [ersDll, "--config", ersConfig]);
        _ems = NamespacedProcess.Start(topology, topology.Ems, "ems", dotnet,
        [
            emsDll,
            "--DataFolder", Path.Combine(_folder, "data"),
            "--Ingest:FileSources:0:StreamName", "test",
            "--Ingest:FileSources:0:Path", Path.Combine(root, "samples", "test.flv"),
            "--WebRtc:UdpPort", "5004",
        ]);
        await Task.WhenAll(_ers.WaitForLineAsync("ERS signalling on", StartTimeout), _ems.WaitForLineAsync(" started; data folder", StartTimeout));

        // startWebrtc as a user runs it: on the ems's HTTP API (127.0.0.1 inside the ems's namespace).
        var reply = topology.RunIn(topology.Ems, HostCommand.Tool("curl"), "-sS", "--max-time", "10",
            $"http://127.0.0.1:{EmsHttpPort}/startWebrtc?ersip={NetNsTopology.ErsAddress}&ersport={ErsPort}&roomid={Room}");
        if (!reply.Contains("\"SUCCESS\"", StringComparison.Ordinal))
            throw new InvalidOperationException("startWebrtc failed: " + reply);
        await _ems.WaitForLineAsync($"joined room {Room}", StartTimeout);

        _chromium = await NamespacedChromium.LaunchAsync(topology, topology.Viewer);
    }

    private static async Task<JsonElement> StatsAsync(IPage page) =>
        JsonDocument.Parse(await page.EvaluateAsync<string>("() => window.player ? JSON.stringify(window.player.stats()) : '{}'")).RootElement.Clone();

    private static async Task<bool> FramesAboveAsync(IPage page, int frames, TimeSpan within)
    {
        try
        {
            await page.WaitForFunctionAsync("n => window.player && window.player.stats().framesDecoded > n", frames,
                new PageWaitForFunctionOptions { Timeout = (float)within.TotalMilliseconds, PollingInterval = 100 });
            return true;
        }
        catch (TimeoutException) // Playwright reports a wait that ran out as System.TimeoutException
        {
            return false;
        }
    }

    private static int Frames(JsonElement stats) =>
        stats.TryGetProperty("framesDecoded", out var frames) && frames.TryGetInt32(out var n) ? n : 0;

    private static string State(JsonElement ice) =>
        ice.GetProperty("pc").GetBoolean()
            ? $"ice {ice.GetProperty("ice")}, connection {ice.GetProperty("connection")}, gathering {ice.GetProperty("gathering")}"
            : "no peer connection";

    private static string Candidate(JsonElement c)
    {
        if (c.ValueKind != JsonValueKind.Object)
            return "?";
        var relay = c.GetProperty("relayProtocol").GetString();
        var over = string.IsNullOrEmpty(relay) ? "" : "(" + relay + ")";
        return $"{c.GetProperty("type")}/{c.GetProperty("protocol")}{over} {c.GetProperty("address")}:{c.GetProperty("port")}";
    }

    private static string? LastError(JsonElement stats) => stats.TryGetProperty("error", out var error) ? error.GetString() : null;
}
