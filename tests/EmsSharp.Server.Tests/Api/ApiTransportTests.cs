using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Server.Tests.Api;

public sealed class ApiTransportTests : IAsyncLifetime
{
    private const string Start = "startWebrtc ersip=52.6.14.61 ersport=3535 roomid=testRoom";
    private TestEms _ems = null!;

    public async Task InitializeAsync() => _ems = await TestEms.StartAsync();

    public async Task DisposeAsync()
    {
        await _ems.DisposeAsync();
        TestEms.DeleteFolder(_ems.DataFolder);
    }

    private static string Base64(string text) => Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));

    /// <summary>PROTOCOL.md §1.5: the member names and JSON types of the startWebrtc reply.</summary>
    private void AssertStarted(JsonElement reply, string roomId)
    {
        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal("Started WebRTC Negotiation Service", reply.Description());
        var data = reply.Data();
        var names = new List<string>();
        foreach (var p in data.EnumerateObject())
            names.Add(p.Name);
        Assert.Equal(["configId", "ers", "ersOverSsl", "ersip", "ersport", "keepAlive", "name", "operationType", "roomid", "sslCert", "sslKey", "token"], names);
        Assert.Equal(JsonValueKind.Number, data.GetProperty("configId").ValueKind);
        Assert.Equal("", data.GetProperty("ers").GetString());
        Assert.Equal(JsonValueKind.False, data.GetProperty("ersOverSsl").ValueKind);
        Assert.Equal("52.6.14.61", data.GetProperty("ersip").GetString());
        Assert.Equal(3535, data.GetProperty("ersport").GetInt32());
        Assert.Equal(JsonValueKind.True, data.GetProperty("keepAlive").ValueKind);
        Assert.Equal("evostreamms", data.GetProperty("name").GetString());
        Assert.Equal(9, data.GetProperty("operationType").GetInt32());
        Assert.Equal(roomId, data.GetProperty("roomid").GetString());
        Assert.EndsWith("server.cert", data.GetProperty("sslCert").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("server.key", data.GetProperty("sslKey").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(data.GetProperty("sslCert").GetString()));
        Assert.Equal("", data.GetProperty("token").GetString());
    }

    private static void AssertDuplicate(JsonElement reply, long existing)
    {
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains($"configId {existing}", reply.Description(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartWebrtc_over_json_cli_then_duplicate_fails()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var first = await cli.JsonAsync(Start);
        AssertStarted(first, "testRoom");
        var id = first.Data().GetProperty("configId").GetInt64();
        AssertDuplicate(await cli.JsonAsync("STARTWEBRTC ERSIP=52.6.14.61 ErsPort=3535 roomId=testRoom"), id);
    }

    [Fact]
    public async Task StartWebrtc_over_http_base64_then_plain_query_duplicate_fails()
    {
        var first = await _ems.HttpAsync("startWebrtc?params=" + Base64("ersip=52.6.14.61 ersport=3535 roomid=testRoom"));
        AssertStarted(first, "testRoom");
        var id = first.Data().GetProperty("configId").GetInt64();
        AssertDuplicate(await _ems.HttpAsync("startwebrtc?ersIp=52.6.14.61&ERSPORT=3535&roomid=testRoom"), id);
    }

    [Fact]
    public async Task StartWebrtc_over_http_plain_query()
    {
        AssertStarted(await _ems.HttpAsync("startWebRTC?ersip=52.6.14.61&ersport=3535&roomid=plainRoom"), "plainRoom");
    }

    [Fact]
    public async Task StartWebrtc_over_ascii_cli()
    {
        await using var cli = await _ems.ConnectAsciiAsync();
        var lines = await cli.AsciiAsync(Start);
        // EvoStream's layout (shared/EVOSTREAM-API.md §6): header, description, keys indented 4, strings unquoted.
        Assert.Equal("Command entered successfully!", lines[0]);
        Assert.Equal("Started WebRTC Negotiation Service", lines[1]);
        Assert.Contains("    ersip: 52.6.14.61", lines);
        Assert.Contains("    ersport: 3535", lines);
        Assert.Contains("    keepAlive: true", lines);
        Assert.Contains("    operationType: 9", lines);
        Assert.Contains(lines, l => l.StartsWith("    configId: ", StringComparison.Ordinal));
        var again = await cli.AsciiAsync("startwebrtc ersip=52.6.14.61 ersport=3535 roomid=testRoom");
        Assert.Equal("Command failed!", again[0]);
        Assert.Contains("configId", again[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ascii_cli_prints_EvoStreams_subset_of_version_and_pullStream_and_all_of_other_replies()
    {
        await using var cli = await _ems.ConnectAsciiAsync();
        var version = await cli.AsciiAsync("version");
        Assert.Equal(["banner", "buildDate", "buildNumber", "codeName", "releaseNumber"], // in the reply's (alphabetical) order
            version.Skip(2).Select(l => l.Trim().Split(':')[0]));
        await using var json = await _ems.ConnectJsonAsync();
        Assert.True((await json.JsonAsync("version")).Data().TryGetProperty("hash", out _)); // the JSON reply keeps them all

        // keepAlive=1: the pull of a port nobody listens on keeps its configuration (with 0 it goes as the pull fails), so
        // the removeConfig below finds it however soon the first attempt fails.
        var pull = await cli.AsciiAsync("pullStream uri=rtsp://127.0.0.1:9/cam localStreamName=subset keepAlive=1");
        Assert.Equal("Command entered successfully!", pull[0]);
        var configId = Assert.Single(pull, l => l.StartsWith("    configId: ", StringComparison.Ordinal))["    configId: ".Length..];
        Assert.Equal(
            [$"    configId: {configId}", "    forceTcp: false", "    keepAlive: true", "    localStreamName: subset", "    uri: ",
                "      fullUri: rtsp://127.0.0.1:9/cam", "      port: 9", "      scheme: rtsp"],
            pull.Skip(2));
        Assert.Equal("Command entered successfully!", (await cli.AsciiAsync("removeConfig id=" + configId))[0]);

        // A command without a documented subset prints every member.
        var count = await cli.AsciiAsync("getStreamsCount");
        Assert.Equal(["    streamCount: 0"], count.Skip(2));
    }

    public static TheoryData<string, string> Failures => new()
    {
        { "startWebrtc ersip=52.6.14.61 ersport=3535", "Missing mandatory parameter: roomid" },
        { "startWebrtc ersip=52.6.14.61 ersport=99999 roomid=r", "Invalid value for ersport: 99999 (must be 1..65535)" },
        { "startWebrtc ersip=52.6.14.61 ersport=abc roomid=r", "Invalid value for ersport: abc (must be 1..65535)" },
        { "startWebrtc ersip=52.6.14.61 ersport=1 roomid=r keepalive=maybe", "Invalid value for keepalive: maybe" },
        { "startWebrtc ersport=1 roomid=r", "Missing mandatory parameter: ersip" },
        { "foo", "Unknown command: foo" },
        { "getConfigInfo", "Missing mandatory parameter: id" },
        { "getConfigInfo id=x", "Invalid value for id: x (must be a number)" },
        { "getConfigInfo id=4242", "No configuration with id 4242" },
        { "removeConfig id=4242", "No configuration with id 4242" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Bad_commands_fail_naming_the_problem_on_every_transport(string line, string expected)
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync(line);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains(expected, reply.Description(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, reply.Data().ValueKind);

        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var command = space < 0 ? line : line[..space];
        var args = space < 0 ? "" : line[(space + 1)..];
        var http = await _ems.HttpAsync(command + "?params=" + Base64(args));
        Assert.Equal("FAIL", http.Status());
        Assert.Contains(expected, http.Description(), StringComparison.Ordinal);

        await using var ascii = await _ems.ConnectAsciiAsync();
        var lines = await ascii.AsciiAsync(line);
        Assert.Equal("Command failed!", lines[0]);
        Assert.Contains(expected, lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_keys_are_ignored_with_a_warning()
    {
        var reply = await _ems.HttpAsync("startWebrtc?ersip=h&ersport=1&roomid=r&colour=blue");
        Assert.Equal("SUCCESS", reply.Status());
        Assert.True(_ems.Logs.Contains("unknown parameter colour ignored"));
    }

    [Fact]
    public async Task Base64_params_survive_url_mangling()
    {
        // "ersip=h ersport=7 roomid=r?>" encodes with '+' and '/' in standard base64, '-' and '_' in the URL-safe one.
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes("ersip=h ersport=7 roomid=r?>~~"));
        Assert.Equal("SUCCESS", (await _ems.HttpAsync("startWebrtc?params=" + standard.Replace("+", "%20", StringComparison.Ordinal))).Status());
        var urlSafe = standard.Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var duplicate = await _ems.HttpAsync("startWebrtc?params=" + urlSafe);
        Assert.Equal("FAIL", duplicate.Status());
        Assert.Contains("configId", duplicate.Description(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_base64_params_fail()
    {
        var reply = await _ems.HttpAsync("startWebrtc?params=%%%");
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains("params", reply.Description(), StringComparison.Ordinal);
        var fallback = await _ems.HttpAsync("a/b/c");
        Assert.Equal("FAIL", fallback.Status());
    }

    [Fact]
    public async Task StopWebrtc_reply_forms_for_none_one_and_many()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var none = await cli.JsonAsync("stopWebrtc");
        Assert.Equal("SUCCESS", none.Status());
        Assert.Equal("Stopped WebRTC Negotiation Service", none.Description());
        Assert.Equal("""{"ersip":"","ersport":0,"roomid":""}""", none.Data().GetRawText());

        Assert.Equal("SUCCESS", (await cli.JsonAsync("startWebrtc ersip=a ersport=1 roomid=r1")).Status());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("startWebrtc ersip=a ersport=1 roomid=r2")).Status());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("startWebrtc ersip=b ersport=2 roomid=r3")).Status());

        var one = await cli.JsonAsync("stopWebrtc roomid=r1");
        Assert.Equal("""{"ersip":"a","ersport":1,"roomid":"r1"}""", one.Data().GetRawText());

        var many = await cli.JsonAsync("stopwebrtc");
        Assert.Equal(JsonValueKind.Array, many.Data().ValueKind);
        Assert.Equal(2, many.Data().GetArrayLength());

        var list = await cli.JsonAsync("listConfig");
        Assert.Equal(0, list.Data().GetProperty("webrtc").GetArrayLength());
    }

    [Fact]
    public async Task ListConfig_getConfigInfo_and_removeConfig()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var started = await cli.JsonAsync("startWebrtc ersip=h ersport=10 roomid=info token=t keepalive=0 ersOverSsl=1");
        var data = started.Data();
        Assert.Equal(JsonValueKind.False, data.GetProperty("keepAlive").ValueKind);
        Assert.Equal(JsonValueKind.True, data.GetProperty("ersOverSsl").ValueKind);
        Assert.Equal("t", data.GetProperty("token").GetString());
        var id = data.GetProperty("configId").GetInt64();

        var list = await cli.JsonAsync("listConfig");
        Assert.Equal("Run-time configuration", list.Description());
        // EvoStream 2.0's ten arrays, in its (alphabetical) order: its web UI reads every key.
        Assert.Equal(["dash", "hds", "hls", "metalistener", "mss", "process", "pull", "push", "record", "webrtc"],
            list.Data().EnumerateObject().Select(p => p.Name));
        foreach (var kind in list.Data().EnumerateObject())
            Assert.Equal(JsonValueKind.Array, kind.Value.ValueKind);
        Assert.Equal(id, list.Data().GetProperty("webrtc")[0].GetProperty("configId").GetInt64());

        var info = await cli.JsonAsync($"getConfigInfo id={id}");
        Assert.Equal("Configuration Info", info.Description());
        var status = info.Data().GetProperty("status");
        var current = status.GetProperty("current");
        Assert.Equal(JsonValueKind.Number, current.GetProperty("code").ValueKind);
        // The real ERS client runs in the background (host "h" does not resolve): the status moves on its own.
        Assert.Equal(JsonValueKind.String, current.GetProperty("description").ValueKind);
        // EvoStream's entry (shared/EVOSTREAM-API.md §3): unix seconds and a uniqueStreamId; our finer code beside it.
        Assert.InRange(current.GetProperty("timestamp").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(0, current.GetProperty("uniqueStreamId").GetInt64());
        Assert.InRange(current.GetProperty("code").GetInt32(), 0, 5);
        Assert.Equal(JsonValueKind.Number, current.GetProperty("ersCode").ValueKind);
        Assert.Equal(JsonValueKind.Object, status.GetProperty("previous").ValueKind);

        var removed = await cli.JsonAsync($"removeConfig id={id}");
        Assert.Equal("Configuration terminated", removed.Description());
        Assert.Equal(id, removed.Data().GetProperty("configId").GetInt64());
        Assert.Equal("FAIL", (await cli.JsonAsync($"getConfigInfo id={id}")).Status());
    }

    [Fact]
    public async Task Help_is_generated_from_the_registry()
    {
        var help = await _ems.HttpAsync("help");
        Assert.Equal("SUCCESS", help.Status());
        var names = new List<string>();
        foreach (var c in help.Data().EnumerateArray())
            names.Add(c.GetProperty("command").GetString()!);
        foreach (var expected in new[] { "help", "version", "startWebrtc", "stopWebrtc", "listConfig", "getConfigInfo", "removeConfig", "quit", "shutdownServer" })
            Assert.Contains(expected, names);

        var one = await _ems.HttpAsync("help?command=STARTWEBRTC");
        var roomId = one.Data().GetProperty("parameters")[2];
        Assert.Equal("roomId", roomId.GetProperty("name").GetString());
        Assert.True(roomId.GetProperty("mandatory").GetBoolean());

        var version = await _ems.HttpAsync("version");
        Assert.Equal("SUCCESS", version.Status());
        Assert.Equal("Version", version.Description());
        // EvoStream 2.0's members and types (real 2.0.0 output: buildNumber is a string); the web UI reads releaseNumber.
        foreach (var member in new[] { "banner", "branchName", "buildDate", "buildNumber", "codeName", "hash", "releaseNumber" })
            Assert.Equal(JsonValueKind.String, version.Data().GetProperty(member).ValueKind);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Data().GetProperty("releaseNumber").GetString()!);
    }

    // EvoStream 2.0's help: its 74 command names (EvoStream/node-webui data/help.json).
    private const string EvoStreamCommandNames =
        "pullStream pushStream createHLSStream createDASHStream createHDSStream createMSSStream record transcode listStreamsIds " +
        "getStreamInfo listStreams getStreamsCount shutdownStream listConfig removeConfig getConfigInfo isStreamRunning " +
        "addStreamAlias removeStreamAlias listStreamAliases flushStreamAliases addGroupNameAlias getGroupNameByAlias " +
        "removeGroupNameAliases listGroupNameAliases flushGroupNameAliases listHTTPStreamingSessions createIngestPoint " +
        "removeIngestPoint listIngestPoints startWebRTC stopWebRTC getMetadata pushMetadata shutdownMetadata launchProcess " +
        "setTimer listTimers removeTimer generateLazyPullFile generateServerPlaylist insertPlaylistItem uploadMedia addStorage " +
        "listStorage removeStorage setAuthentication setLogLevel version help shutdownServer getLicenseId listInboundStreamNames " +
        "listInboundStreams getInboundStreamsCount getConnectionInfo listConnections listConnectionsIds clientsConnected " +
        "httpClientsConnected getExtendedConnectionCounters resetMaxFdCounters resetTotalFdCounters getConnectionsCount " +
        "setConnectionsCountLimit getConnectionsCountLimit setBandwidthLimit getBandwidth addMetadataListener " +
        "listMetadataListeners createService enableService shutdownService listServices";

    [Fact]
    public async Task Every_EvoStream_command_is_answered_never_as_unknown()
    {
        var names = EvoStreamCommandNames.Split(' ');
        Assert.Equal(74, names.Length);
        var help = (await _ems.HttpAsync("help")).Data().EnumerateArray().Select(c => c.GetProperty("command").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
            Assert.Contains(name, help);

        // One that is not built yet says so and what would do instead; a name EvoStream never had is still unknown.
        var hds = await _ems.HttpAsync("createHDSStream?localStreamNames=cam&targetFolder=/tmp");
        Assert.Equal("FAIL", hds.Status());
        Assert.StartsWith("createHDSStream is not available in EmsSharp yet: outputs (HDS, MSS)", hds.Description(), StringComparison.Ordinal);
        var licence = await _ems.HttpAsync("getLicenseId");
        Assert.Equal(("SUCCESS", "EmsSharp needs no licence"), (licence.Status(), licence.Description()));
        Assert.StartsWith("Unknown command: explode", (await _ems.HttpAsync("explode")).Description(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetLogLevel_changes_the_default_level_at_run_time_on_EvoStreams_scale()
    {
        var logger = _ems.Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Server.Tests.Probe");
        Assert.False(logger.IsEnabled(LogLevel.Debug));

        var set = await _ems.HttpAsync("setLogLevel?level=4"); // debug
        Assert.Equal(("SUCCESS", "Log level is set"), (set.Status(), set.Description()));
        Assert.True(logger.IsEnabled(LogLevel.Debug));

        Assert.Equal("SUCCESS", (await _ems.HttpAsync("setLogLevel?level=1")).Status()); // error
        Assert.False(logger.IsEnabled(LogLevel.Warning));
        Assert.True(logger.IsEnabled(LogLevel.Error));

        var bad = await _ems.HttpAsync("setLogLevel?level=9");
        Assert.Equal("FAIL", bad.Status());
        Assert.Contains("level", bad.Description(), StringComparison.Ordinal);
        Assert.Equal("SUCCESS", (await _ems.HttpAsync("setLogLevel?level=3")).Status());
    }

    [Fact]
    public async Task Quit_ends_only_that_cli_session()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var bye = await cli.JsonAsync("quit");
        Assert.Equal("SUCCESS", bye.Status());
        Assert.Equal("Bye!", bye.Description());
        Assert.Equal(JsonValueKind.Null, bye.Data().ValueKind);
        Assert.Null(await cli.ReadLineAsync());
        await using var other = await _ems.ConnectJsonAsync();
        Assert.Equal("SUCCESS", (await other.JsonAsync("version")).Status());
    }

    [Fact]
    public async Task ShutdownServer_answers_a_key_first_refuses_a_wrong_one_and_stops_with_it()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var first = await cli.JsonAsync("shutdownServer");
        Assert.Equal("SUCCESS", first.Status());
        Assert.Equal("Call shutdownserver again with the provided key", first.GetProperty("description").GetString());
        var key = first.Data().GetProperty("key").GetString()!;
        Assert.Matches("^[A-Za-z0-9]{16}$", key);
        Assert.False(_ems.Host.ApplicationStopping.IsCancellationRequested); // the first call stops nothing

        var wrong = await cli.JsonAsync("shutdownServer key=" + (key == "AAAAAAAAAAAAAAAA" ? "BBBBBBBBBBBBBBBB" : "AAAAAAAAAAAAAAAA"));
        Assert.Equal("FAIL", wrong.Status());
        Assert.Equal("Shutdown key provided is invalid", wrong.GetProperty("description").GetString());
        Assert.False(_ems.Host.ApplicationStopping.IsCancellationRequested);

        Assert.Equal("SUCCESS", (await cli.JsonAsync("shutdownServer key=" + key)).Status());
        var stopping = new TaskCompletionSource();
        _ems.Host.ApplicationStopping.Register(stopping.SetResult);
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
