using System.Text.Json;
using EmsSharp.Interop.Tests.WebRtc;
using Microsoft.Playwright;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Headless Chromium with the repository's web/js/ems-player.js loaded into a blank page, and two drivers: one
/// builds a synthetic getStats() report, the other swaps RTCPeerConnection for a scripted fake so the player's
/// own ICE handlers see the candidates, candidate errors and connection states a real network would give.
/// </summary>
public sealed class PlayerPageFixture : IAsyncLifetime
{
    private const string Drivers = """
        window.pathOf = function (spec) {
          var report = new Map();
          var add = function (s) { report.set(s.id, s); };
          // A losing pair on a relay candidate: picking it instead of the selected one shows in every case.
          add({ id: 'L0', type: 'local-candidate', candidateType: 'relay', protocol: 'udp', relayProtocol: 'udp' });
          add({ id: 'P0', type: 'candidate-pair', localCandidateId: 'L0', remoteCandidateId: 'R1', state: 'failed', nominated: true });
          add({ id: 'L1', type: 'local-candidate', candidateType: spec.localType, address: spec.address || '192.0.2.2', protocol: spec.protocol, relayProtocol: spec.relayProtocol || undefined });
          add({ id: 'R1', type: 'remote-candidate', candidateType: spec.remoteType, protocol: spec.protocol });
          add({ id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', state: 'succeeded', nominated: spec.nominated });
          if (spec.viaTransport) add({ id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' });
          var r = EmsPlayer.readPath(report);
          return r ? r.candidateType + '|' + r.path : 'none';
        };

        window.RTCPeerConnection = function FakePeerConnection(config) {
          this.config = config; this.connectionState = 'new'; this.iceGatheringState = 'new';
          this.close = function () { this.closed = true; };
          this.getStats = function () { return Promise.resolve(new Map()); };
        };

        window.runIce = function (spec) {
          var last = '';
          var p = new EmsPlayer({ video: document.createElement('video'), ers: '127.0.0.1:9', room: 'r', stream: 's',
            onState: function (state, text) { last = state + ': ' + text; } });
          p.setIceServers('stunservers', spec.stun.map(function (u) { return { url: u }; }));
          p.setIceServers('turnservers', spec.turn.map(function (u) { return { url: u, username: 'u', credential: 'c' }; }));
          var pc = p.createPeer();
          spec.gathered.forEach(function (t, i) {
            pc.onicecandidate({ candidate: { type: t, candidate: 'candidate:' + i + ' 1 udp 1 192.0.2.1 ' + (5000 + i) + ' typ ' + t, sdpMid: '0', sdpMLineIndex: 0 } });
          });
          spec.errors.forEach(function (e) { pc.onicecandidateerror({ url: e.url, errorCode: e.code, errorText: 'test' }); });
          var whileGathering = p.stats().candidates;
          pc.onicecandidate({ candidate: null });
          var gathered = p.stats().candidates;
          spec.states.forEach(function (s) { pc.connectionState = s; pc.onconnectionstatechange(); });
          return JSON.stringify({ whileGathering: whileGathering, gathered: gathered, error: p.stats().error, last: last,
            iceServers: pc.config.iceServers.length });
        };
        """;

    private ChromiumHarness? _chromium;

    public IPage Page => _chromium!.Page;

    public async Task InitializeAsync()
    {
        _chromium = await ChromiumHarness.LaunchAsync();
        await _chromium.Page.AddScriptTagAsync(new() { Path = Path.Combine(PlaybackRig.FindRepositoryRoot(), "web", "js", "ems-player.js") });
        await _chromium.Page.AddScriptTagAsync(new() { Content = Drivers });
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
            await _chromium.DisposeAsync();
    }
}

/// <summary>
/// The player's plain words about the network: which path the selected candidate pair is on, what gathering
/// found, and why ICE failed, run by Chromium against web/js/ems-player.js itself.
/// </summary>
public sealed class PlayerDiagnosticsTests(PlayerPageFixture fixture) : IClassFixture<PlayerPageFixture>
{
    [Theory]
    [InlineData("host", "", "udp", "host", true, true, "host|direct (host)")]
    [InlineData("srflx", "", "udp", "host", true, true, "srflx|direct (through NAT, srflx)")]
    [InlineData("prflx", "", "udp", "host", true, true, "prflx|direct (through NAT, prflx)")]
    // The browser's check to a server on this machine left from 127.0.0.1, which it had not gathered: no NAT.
    [InlineData("prflx", "", "udp", "host", true, true, "prflx|direct (host)", "127.0.0.1")]
    [InlineData("prflx", "", "udp", "host", true, true, "prflx|direct (host)", "::1")]
    // Likewise a STUN server on this machine (the ERS's own) reflects 127.0.0.1: no NAT either.
    [InlineData("srflx", "", "udp", "host", true, true, "srflx|direct (host)", "127.0.0.1")]
    [InlineData("relay", "udp", "udp", "host", true, true, "relay|via relay (TURN over UDP)")]
    [InlineData("relay", "tcp", "udp", "host", true, true, "relay|via relay (TURN over TCP)")]
    [InlineData("relay", "tls", "udp", "host", true, true, "relay|via relay (TURN over TLS)")]
    [InlineData("host", "", "udp", "relay", true, true, "host|via the server's relay")]
    [InlineData("host", "", "tcp", "host", true, true, "host|direct (host) over TCP")]
    // Without transport stats (Firefox): the nominated succeeded pair; with neither, no path yet.
    [InlineData("srflx", "", "udp", "host", false, true, "srflx|direct (through NAT, srflx)")]
    [InlineData("srflx", "", "udp", "host", false, false, "none")]
    public async Task The_selected_candidate_pair_is_described_in_plain_words(
        string localType, string relayProtocol, string protocol, string remoteType, bool viaTransport, bool nominated, string expected,
        string address = "192.0.2.2")
    {
        var spec = JsonSerializer.Serialize(new { localType, relayProtocol, protocol, remoteType, viaTransport, nominated, address });
        Assert.Equal(expected, await fixture.Page.EvaluateAsync<string>("spec => window.pathOf(JSON.parse(spec))", spec));
    }

    [Theory]
    // UDP blocked: STUN offered but no srflx came back, and the TURN server did not answer either.
    [InlineData("stun:192.0.2.9:3478", "turn:192.0.2.9:3478", "host", "turn:192.0.2.9:3478?transport=udp=701", "checking,failed",
        "no route to the stream server: UDP blocked and no relay reachable (ICE failed)",
        "host 1, srflx 0, relay 0; no srflx: no STUN server reachable; no relay: no TURN server reachable")]
    [InlineData("stun:192.0.2.9:3478", "", "host,host", "stun:192.0.2.9:3478=701", "checking,failed",
        "no route to the stream server: UDP blocked and no relay offered by the signalling server (ICE failed)",
        "host 2, srflx 0, relay 0; no srflx: no STUN server reachable; no relay: none offered")]
    [InlineData("", "", "host", "", "checking,failed",
        "no route to the stream server: no relay offered by the signalling server (ICE failed)",
        "host 1, srflx 0, relay 0; no srflx: no STUN server offered; no relay: none offered")]
    [InlineData("", "turns:192.0.2.9:5349", "host,srflx", "turns:192.0.2.9:5349=401", "checking,failed",
        "no route to the stream server: its UDP port is unreachable and the relay refused its credentials (ICE failed)",
        "host 1, srflx 1, relay 0; no relay: the relay refused its credentials")]
    [InlineData("stun:192.0.2.9:3478", "turn:192.0.2.9:3478", "host,srflx,relay", "", "checking,failed",
        "no route to the stream server, even through the relay (ICE failed)",
        "host 1, srflx 1, relay 1")]
    // Connected, then the server stopped answering consent checks.
    [InlineData("", "", "host", "", "checking,connected,disconnected,failed",
        "lost the network path to the stream server: it stopped answering (ICE failed)",
        "host 1, srflx 0, relay 0; no srflx: no STUN server offered; no relay: none offered")]
    public async Task A_failed_ice_session_says_why_in_plain_words(
        string stun, string turn, string gathered, string errors, string states, string expectedError, string expectedCandidates)
    {
        var result = await RunIceAsync(stun, turn, gathered, errors, states);
        Assert.Equal(expectedError, result.GetProperty("error").GetString());
        Assert.Equal(expectedCandidates, result.GetProperty("gathered").GetString());
        Assert.Equal((stun.Length > 0 ? 1 : 0) + (turn.Length > 0 ? 1 : 0), result.GetProperty("iceServers").GetInt32());
    }

    [Fact]
    public async Task Gathering_counts_show_while_gathering_and_an_interrupted_path_is_reported()
    {
        var result = await RunIceAsync("stun:192.0.2.9:3478", "", "host,srflx", "", "checking,connected,disconnected");
        Assert.Equal("host 1, srflx 1, relay 0", result.GetProperty("whileGathering").GetString());
        Assert.Equal("host 1, srflx 1, relay 0; no relay: none offered", result.GetProperty("gathered").GetString());
        Assert.Equal("", result.GetProperty("error").GetString());
        Assert.Equal("reconnecting: the network path to the stream server was interrupted", result.GetProperty("last").GetString());
    }

    private async Task<JsonElement> RunIceAsync(string stun, string turn, string gathered, string errors, string states)
    {
        static string[] List(string s) => s.Length == 0 ? [] : s.Split(',');
        var spec = JsonSerializer.Serialize(new
        {
            stun = List(stun),
            turn = List(turn),
            gathered = List(gathered),
            errors = List(errors).Select(e => new { url = e[..e.LastIndexOf('=')], code = int.Parse(e[(e.LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture) }),
            states = List(states),
        });
        var json = await fixture.Page.EvaluateAsync<string>("spec => window.runIce(JSON.parse(spec))", spec);
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
