using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Ers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Delivery;

/// <summary>startWebrtc refuses what its service could not run; saved configurations and stops survive failures.</summary>
public sealed class WebRtcServiceHardeningTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly RecordingConnector _connector = new();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private string ConfigsPath => Path.Combine(_folder, ConfigurationStore.FileName);

    private Task<TestEms> StartEmsAsync() => TestEms.StartAsync(_folder, services: s => s.AddSingleton<IErsConnector>(_connector));

    public static TheoryData<string, string> BadStarts => new()
    {
        { "ersip=127.0.0.1:0 ersport=4545 roomid=r", "ersip" },
        { "ersip=ers1,,ers2 ersport=4545 roomid=r", "ersip" },
        { "ersip=a,b,c,d,e,f,g,h,i ersport=4545 roomid=r", "ersip" },
        { "ersip=x/abuse# ersport=4545 roomid=r", "ersip" },
        { @"ersip=ers\ host ersport=4545 roomid=r", "ersip" },
        { "ersip=[::1] ersport=4545 roomid=r", "ersip" },
        { "ersip=http://ers ersport=4545 roomid=r", "ersip" },
        { "ersip=ers ersport=0 roomid=r", "ersport" },
        { "ersip=ers ersport=65536 roomid=r", "ersport" },
        { "ersip=ers ersport=-1 roomid=r", "ersport" },
        { "ersip=ers ersport=45x roomid=r", "ersport" },
        { "ersip=ers ersport=4545 roomid=" + new string('r', 257), "roomid" },
        { "ersip=ers ersport=4545 roomid=r token=" + new string('t', 257), "token" },
    };

    [Theory]
    [MemberData(nameof(BadStarts))]
    public async Task A_bad_value_FAILs_naming_the_parameter_and_nothing_is_saved_or_started(string arguments, string parameter)
    {
        await using var ems = await StartEmsAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var reply = await cli.JsonAsync("startWebrtc " + arguments);

        Assert.Equal("FAIL", reply.Status());
        Assert.StartsWith($"Invalid value for {parameter}: ", reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());
        Assert.False(File.Exists(ConfigsPath));
        Assert.Empty(_connector.Started);
    }

    [Fact]
    public async Task An_IPv6_literal_is_accepted_bare()
    {
        await using var ems = await StartEmsAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var reply = await cli.JsonAsync("startWebrtc ersip=::1 ersport=4545 roomid=r");

        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal("::1", reply.Data().GetProperty("ersip").GetString());
    }

    [Fact]
    public async Task A_bad_entry_of_an_ersip_list_is_named()
    {
        await using var ems = await StartEmsAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var reply = await cli.JsonAsync("startWebrtc ersip=ers1,ers2:0,ers3 ersport=4545 roomid=r");

        Assert.Equal("FAIL", reply.Status());
        Assert.Equal(
            "Invalid value for ersip: ers1,ers2:0,ers3 (entry 2 'ers2:0' is not host, host:port or [ipv6]:port; " + ErsAddress.ListExpectation + ")",
            reply.Description());
        Assert.Empty(_connector.Started);
    }

    [Fact]
    public async Task An_ersip_list_is_kept_as_given_and_its_room_can_be_started_once()
    {
        const string List = "10.0.0.1,10.0.0.2:4546,[2001:db8::1]:4547";
        await using var ems = await StartEmsAsync();
        await using var cli = await ems.ConnectJsonAsync();

        var reply = await cli.JsonAsync($"startWebrtc ersip={List} ersport=4545 roomid=r");

        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal(List, reply.Data().GetProperty("ersip").GetString());
        Assert.Equal(4545, reply.Data().GetProperty("ersport").GetInt32());
        var id = reply.Data().GetProperty("configId").GetInt64();
        Assert.Equal([id], _connector.Started);
        Assert.Equal(List, Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("webrtc").EnumerateArray()).GetProperty("ersip").GetString());
        Assert.Equal(List, Assert.Single(LoadStore().Snapshot()).Data["ersip"]!.GetValue<string>());

        var again = await cli.JsonAsync($"startWebrtc ersip={List} ersport=4545 roomid=r");

        Assert.Equal("FAIL", again.Status());
        Assert.StartsWith($"Room r on ersip={List} ersport=4545 is already started by configId {id}", again.Description(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_configuration_startWebrtc_now_refuses_is_logged_listed_not_run_and_stoppable()
    {
        long poison, good;
        {
            var store = LoadStore();
            poison = store.Add(OperationType.WebRtc, true, id => Configuration(id, "127.0.0.1:0", "old").ToJson()).ConfigId;
            good = store.Add(OperationType.WebRtc, true, id => Configuration(id, "ers.example", "good").ToJson()).ConfigId;
        }

        await using (var ems = await StartEmsAsync())
        {
            Assert.True(ems.Logs.Contains($"Saved WebRTC configuration {poison} not started: Invalid value for ersip: 127.0.0.1:0 (entry 1 '127.0.0.1:0' is not host, host:port or [ipv6]:port"));
            Assert.Equal([good], _connector.Started);
            var status = (await ems.HttpAsync($"getConfigInfo?id={poison}")).Data().GetProperty("status").GetProperty("current");
            Assert.Equal(5, status.GetProperty("code").GetInt32()); // EvoStream's Connection failed
            Assert.Equal((int)WebRtcServiceStatusCode.Failed, status.GetProperty("ersCode").GetInt32());
            Assert.Equal(2, (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());

            var stopped = await ems.HttpAsync("stopWebrtc?roomid=old");

            Assert.Equal("SUCCESS", stopped.Status());
            Assert.Equal("127.0.0.1:0", stopped.Data().GetProperty("ersip").GetString());
            var left = (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc");
            Assert.Equal(good, Assert.Single(left.EnumerateArray()).GetProperty("configId").GetInt64());
        }

        await using (var ems = await StartEmsAsync())
        {
            Assert.False(ems.Logs.Contains("not started"));
            Assert.Equal([good, good], _connector.Started);
        }
    }

    [Fact]
    public async Task Stop_and_shutdown_carry_on_past_a_service_that_fails_to_stop()
    {
        _connector.FailingStops.Add("a");
        long b;
        await using (var ems = await StartEmsAsync())
        {
            var a = await StartAsync(ems, "a");
            b = await StartAsync(ems, "b");

            var reply = await ems.HttpAsync("stopWebrtc");

            Assert.Equal("SUCCESS", reply.Status());
            Assert.Equal(2, reply.Data().GetArrayLength());
            Assert.Equal([b], _connector.Stopped);
            Assert.True(ems.Logs.Contains($"WebRTC service {a} failed to stop cleanly"));
            Assert.Equal(0, (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());
        }

        TestEms shutDown;
        long c, d;
        await using (var ems = await StartEmsAsync())
        {
            shutDown = ems;
            c = await StartAsync(ems, "a");
            d = await StartAsync(ems, "d");
        } // shutdown: c throws, d is still stopped and the host disposes without an exception

        Assert.Equal([b, d], _connector.Stopped);
        Assert.True(shutDown.Logs.Contains($"WebRTC service {c} failed to stop cleanly"));
        Assert.Equal(2, SavedWebRtcCount()); // shutdown keeps saved configurations
    }

    [Fact]
    public async Task A_change_that_cannot_be_saved_FAILs_and_leaves_everything_as_it_was()
    {
        await using var ems = await StartEmsAsync();
        var id = await StartAsync(ems, "r");
        Directory.CreateDirectory(ConfigsPath + ".tmp"); // the temp file cannot be created: every save fails

        var stop = await ems.HttpAsync("stopWebrtc?roomid=r");
        var remove = await ems.HttpAsync($"removeConfig?id={id}");
        var start = await ems.HttpAsync("startWebrtc?ersip=ers&ersport=4545&roomid=other");

        foreach (var reply in new[] { stop, remove, start })
        {
            Assert.Equal("FAIL", reply.Status());
            Assert.Contains($"Could not save {ConfigsPath}", reply.Description(), StringComparison.Ordinal);
        }

        Assert.Empty(_connector.Stopped);
        Assert.Equal([id], _connector.Started);
        var listed = (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc");
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("configId").GetInt64());
        Assert.Equal(1, SavedWebRtcCount());

        Directory.Delete(ConfigsPath + ".tmp");
        Assert.Equal("SUCCESS", (await ems.HttpAsync("stopWebrtc?roomid=r")).Status());
        Assert.Equal([id], _connector.Stopped);
        Assert.Equal(0, SavedWebRtcCount());
    }

    private static WebRtcServiceConfiguration Configuration(long id, string ersIp, string roomId) =>
        new(id, ersIp, 4545, roomId, "", true, false, "evostreamms", "", "");

    private static async Task<long> StartAsync(TestEms ems, string roomId)
    {
        var reply = await ems.HttpAsync($"startWebrtc?ersip=ers.example&ersport=4545&roomid={roomId}");
        Assert.Equal("SUCCESS", reply.Status());
        return reply.Data().GetProperty("configId").GetInt64();
    }

    /// <summary>The store as the next start reads it from disk.</summary>
    private ConfigurationStore LoadStore()
    {
        var store = new ConfigurationStore(Options.Create(new EmsOptions { DataFolder = _folder }), TimeProvider.System, NullLogger<ConfigurationStore>.Instance);
        store.Load();
        return store;
    }

    private int SavedWebRtcCount() => LoadStore().Snapshot().Count(e => e.OperationType == OperationType.WebRtc);
}
