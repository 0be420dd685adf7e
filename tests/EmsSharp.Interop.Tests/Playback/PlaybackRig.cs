using System.Net.Http.Json;
using System.Text.Json;
using EmsSharp.Interop.Tests.WebRtc;
using EmsSharp.Load.Viewers;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// The whole system on loopback, as the README's demo runs it: an in-process <c>ers</c> serving the repository's
/// web/ folder, an in-process <c>ems</c> playing samples/test.flv as stream <c>test</c> with its WebRTC port on
/// 127.0.0.1, the service started through the HTTP API, and headless Chromium (unless started without a browser).
/// </summary>
internal sealed class PlaybackRig : IAsyncDisposable
{
    public const string Room = "demo";

    private readonly string _dataFolder;
    private readonly ChromiumHarness? _chromium;

    private PlaybackRig(ErsHost ers, EmsHost ems, HttpClient api, ChromiumHarness? chromium, string dataFolder)
    {
        Ers = ers;
        Ems = ems;
        Api = api;
        _chromium = chromium;
        _dataFolder = dataFolder;
    }

    public ErsHost Ers { get; private set; }

    /// <summary>The configId of the WebRTC service that <see cref="StartWebrtcAsync(string)"/> started.</summary>
    public long ConfigId { get; private set; }

    public EmsHost Ems { get; }

    /// <summary>What <see cref="Ems"/> logged last.</summary>
    public RecentServerLog Log => RecentServerLog.Of(Ems);

    public HttpClient Api { get; }

    public ChromiumHarness Chromium => _chromium ?? throw new InvalidOperationException("This rig was started without a browser.");

    public static Task<PlaybackRig> StartAsync(params string[] extraArgs) => StartAsync(launchBrowser: true, extraArgs);

    /// <summary>The rig with Chromium, its ers configured further by <paramref name="configureErs"/>.</summary>
    public static Task<PlaybackRig> StartAsync(Action<ErsOptions> configureErs, params string[] extraArgs) =>
        StartAsync(launchBrowser: true, extraArgs, configureErs);

    /// <summary>The rig without Chromium, for peers the tests bring themselves (the load tool's viewers).</summary>
    public static Task<PlaybackRig> StartWithoutBrowserAsync(params string[] extraArgs) => StartAsync(launchBrowser: false, extraArgs);

    /// <summary>The rig without Chromium, its ers configured further by <paramref name="configureErs"/>.</summary>
    public static Task<PlaybackRig> StartWithoutBrowserAsync(Action<ErsOptions> configureErs, params string[] extraArgs) =>
        StartAsync(launchBrowser: false, extraArgs, configureErs);

    private static async Task<PlaybackRig> StartAsync(bool launchBrowser, string[] extraArgs, Action<ErsOptions>? configureErs = null)
    {
        var ers = await StartErsAsync(configureErs);
        var dataFolder = Directory.CreateTempSubdirectory("ems-playback-").FullName;
        var ems = await StartEmsAsync(dataFolder, extraArgs);
        var api = new HttpClient { BaseAddress = new Uri($"http://{ems.HttpEndPoint}/") };
        var chromium = launchBrowser ? await ChromiumHarness.LaunchAsync() : null;
        return new PlaybackRig(ers, ems, api, chromium, dataFolder);
    }

    /// <summary>An <c>ers</c> on an ephemeral loopback port serving the repository's web/ folder.</summary>
    public static Task<ErsHost> StartErsAsync(Action<ErsOptions>? configure = null)
    {
        var ersOptions = new ErsOptions();
        ersOptions.Server.Port = 0;
        ersOptions.Server.AdminPort = 0;
        ersOptions.Server.BindIP = "127.0.0.1";
        ersOptions.Turn.Port = 0; // the bundled STUN/TURN server on a free port, as the other listeners
        ersOptions.Turn.TlsPort = 0;
        ersOptions.StateFile = null; // no admin state shared between test runs through the test's bin folder
        ersOptions.Server.WebRoot = Path.Combine(FindRepositoryRoot(), "web");
        configure?.Invoke(ersOptions);
        return ErsHost.StartAsync(ersOptions, null, NullLoggerFactory.Instance);
    }

    /// <summary>An <c>ems</c> on ephemeral loopback ports playing samples/test.flv as <c>test</c>.</summary>
    public static async Task<EmsHost> StartEmsAsync(string dataFolder, params string[] extraArgs)
    {
        var root = FindRepositoryRoot();
        var ems = EmsHost.Create(
        [
            "--Ingest:RtmpPort", "0",
            "--Ingest:RtspPort", "0",
            "--WsFmp4:Port", "0",
            "--Whep:Port", "0",
            "--Ingest:FileSources:0:StreamName", "test",
            "--Ingest:FileSources:0:Path", Path.Combine(root, "samples", "test.flv"),
            "--WebRtc:UdpPort", "0",
            "--WebRtc:BindAddress", "127.0.0.1",
            .. extraArgs,
        ], o =>
        {
            o.DataFolder = dataFolder;
            o.Api.AsciiCli.Port = 0;
            o.Api.JsonCli.Port = 0;
            o.Api.Http.Port = 0;
        }, s => s.AddLogging(b => b.ClearProviders().SetMinimumLevel(LogLevel.Information).AddProvider(new RecentServerLog())));
        await ems.StartAsync(CancellationToken.None);
        return ems;
    }

    /// <summary>Runs an API command over HTTP (plain query string form) and returns the reply envelope.</summary>
    public Task<JsonElement> CommandAsync(string pathAndQuery) => CommandAsync(Api, pathAndQuery);

    /// <summary>Runs an API command over HTTP through <paramref name="api"/> (an ems's HTTP API) and returns the reply envelope.</summary>
    public static async Task<JsonElement> CommandAsync(HttpClient api, string pathAndQuery)
    {
        using var response = await api.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Starts the WebRTC service for <see cref="Room"/> (presenting <paramref name="token"/>, an EMS token of the ers, when
    /// given) and waits until it is in the room.
    /// </summary>
    public Task StartWebrtcAsync(string token = "") => StartWebrtcAsync("127.0.0.1", Ers.Port, token);

    /// <summary>
    /// <see cref="StartWebrtcAsync(string)"/> through the ERS (or list of ERS addresses) <paramref name="ersIp"/>, port
    /// <paramref name="ersPort"/> where an address names none.
    /// </summary>
    public async Task StartWebrtcAsync(string ersIp, int ersPort, string token = "")
    {
        ConfigId = await StartWebrtcAsync(Api, ersIp, ersPort, token);
    }

    /// <summary>
    /// Starts the WebRTC service for <see cref="Room"/> of the ems whose HTTP API is <paramref name="api"/>, through
    /// <paramref name="ersIp"/>:<paramref name="ersPort"/>, and waits until it is in the room; its configId.
    /// </summary>
    public static async Task<long> StartWebrtcAsync(HttpClient api, string ersIp, int ersPort, string token = "")
    {
        var reply = await CommandAsync(api, $"startWebrtc?ersip={Uri.EscapeDataString(ersIp)}&ersport={ersPort}&roomid={Room}&token={Uri.EscapeDataString(token)}");
        Assert.Equal("SUCCESS", reply.GetProperty("status").GetString());
        var configId = reply.GetProperty("data").GetProperty("configId").GetInt64();
        await WaitInRoomAsync(api, configId, TimeSpan.FromSeconds(10));
        return configId;
    }

    /// <summary>Polls getConfigInfo until the WebRTC service says it joined the room, failing at the deadline.</summary>
    public Task WaitInRoomAsync(TimeSpan timeout) => WaitInRoomAsync(Api, ConfigId, timeout);

    private static async Task WaitInRoomAsync(HttpClient api, long configId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var info = await CommandAsync(api, $"getConfigInfo?id={configId}");
            var current = info.GetProperty("data").GetProperty("status").GetProperty("current");
            if (current.GetProperty("description").GetString()!.StartsWith("joined room", StringComparison.Ordinal))
                return;
            Assert.True(DateTime.UtcNow < deadline, "ems did not join the room: " + current);
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Stops <c>ers</c>, runs <paramref name="whileDown"/>, and starts it again on the same port (as an operator's
    /// restart would).
    /// </summary>
    public async Task RestartErsAsync(Func<Task> whileDown)
    {
        var options = Ers.Options;
        var port = Ers.Port;
        await Ers.DisposeAsync();
        await whileDown();
        options.Server.Port = port;
        Ers = await ErsHost.StartAsync(options, null, NullLoggerFactory.Instance);
    }

    /// <summary>The number of browsers the API lists in <see cref="Room"/>.</summary>
    public Task<int> CountPeersAsync() => CountPeersAsync(Api);

    /// <summary>The number of browsers the API of an ems (<paramref name="api"/>) lists in <see cref="Room"/>.</summary>
    public static async Task<int> CountPeersAsync(HttpClient api)
    {
        var reply = await CommandAsync(api, $"listWebrtcPeers?roomid={Room}");
        var data = reply.GetProperty("data");
        return data.GetArrayLength() == 0 ? 0 : data[0].GetProperty("peers").GetArrayLength();
    }

    /// <summary>A fresh page in the rig's browser, opened on the player for <paramref name="stream"/>.</summary>
    public async Task<Microsoft.Playwright.IPage> OpenPlayerAsync(string stream, string transport)
    {
        var page = await Chromium.Page.Context.Browser!.NewPageAsync();
        await page.GotoAsync(PlayerUrl(stream, transport));
        return page;
    }

    /// <summary>Reads the page's <c>player.stats()</c> once.</summary>
    public static async Task<JsonElement> StatsAsync(Microsoft.Playwright.IPage page)
    {
        var json = await page.EvaluateAsync<string>("() => window.player ? JSON.stringify(window.player.stats()) : '{}'");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Signalling for the load tool's simulated viewers of the rig's "test" stream, through its ers and room.</summary>
    public ErsViewerSignallingFactory ViewerSignalling(ViewerTransport transport) => new(new ViewerOptions
    {
        Ers = new Uri($"http://127.0.0.1:{Ers.Port}/"),
        Room = Room,
        Stream = "test",
        Transport = transport,
    });

    public string PlayerUrl(string stream, string transport = "srtp") =>
        $"http://127.0.0.1:{Ers.Port}/evowrtcclient.html?ers=127.0.0.1:{Ers.Port}&room={Room}&stream={stream}&transport={transport}";

    /// <summary>
    /// Polls the page's <c>player.stats()</c> until <paramref name="condition"/> holds, failing at the deadline with the
    /// page's state, the <paramref name="rig"/>'s server log tail and where its sessions stood (listWebrtcPeers: each session's next wake-up, its worker's timer and its SCTP sender).
    /// </summary>
    public static async Task<JsonElement> WaitForStatsAsync(
        Microsoft.Playwright.IPage page, Func<JsonElement, bool> condition, TimeSpan timeout, PlaybackRig rig)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var json = await page.EvaluateAsync<string>("() => window.player ? JSON.stringify(window.player.stats()) : '{}'");
            var stats = JsonDocument.Parse(json).RootElement.Clone();
            if (stats.TryGetProperty("framesDecoded", out _) && condition(stats))
                return stats;
            Assert.True(DateTime.UtcNow < deadline, "player stats: " + json + "; page: " + await page.EvaluateAsync<string>("() => document.body.innerText")
                + "; fmp4: " + await page.EvaluateAsync<string>("() => window.player ? JSON.stringify({ requested: !!window.player.requested, command: window.player.commandChannel ? window.player.commandChannel.readyState : null, player: !!window.player.fmp4 }) : ''")
                + "\nbrowser candidate pairs: " + await CandidatePairsAsync(page)
                + "\nlast server log lines:\n" + rig.Log.Tail(40)
                + "\nserver sessions: " + (await rig.CommandAsync("listWebrtcPeers")).GetProperty("data")
                + "\nserver delivery: " + (await rig.CommandAsync("getDeliveryStats")).GetProperty("data"));
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The browser's side of the path (for failure reports): every candidate pair that got past checking, with its
    /// addresses and traffic, so a server that sends where the browser does not receive shows as such.
    /// </summary>
    public static Task<string> CandidatePairsAsync(Microsoft.Playwright.IPage page) => page.EvaluateAsync<string>(CandidatePairsScript);

    private const string CandidatePairsScript = """
        async () => {
          const pc = window.player && window.player.pc;
          if (!pc) return 'no peer connection';
          const report = await pc.getStats();
          const byId = {};
          report.forEach(s => { byId[s.id] = s; });
          const out = [];
          report.forEach(s => {
            if (s.type !== 'candidate-pair' || s.state === 'waiting' || s.state === 'frozen') return;
            const l = byId[s.localCandidateId] || {}, r = byId[s.remoteCandidateId] || {};
            out.push(`${l.candidateType} ${l.address}:${l.port} -> ${r.candidateType} ${r.address}:${r.port} ${s.state}`
              + `${s.nominated ? ' nominated' : ''} rx ${s.packetsReceived}/${s.bytesReceived} B tx ${s.packetsSent}/${s.bytesSent} B`
              + ` last rx ${s.lastPacketReceivedTimestamp ? Math.round(performance.timeOrigin + performance.now() - s.lastPacketReceivedTimestamp) + ' ms ago' : 'never'}`);
          });
          return out.join('; ');
        }
        """;

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
            await _chromium.DisposeAsync();
        Api.Dispose();
        await Ems.DisposeAsync();
        await Ers.DisposeAsync();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "samples", "test.flv")) && Directory.Exists(Path.Combine(directory.FullName, "web")))
                return directory.FullName;
        }

        throw new DirectoryNotFoundException("repository root (samples/test.flv, web/) not found above " + AppContext.BaseDirectory);
    }
}
