using System.Text.Json;
using EmsSharp.Protocols.SocketIo;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>Several ems per room (<c>server.multiEmsRooms</c>, ours): which ems a browser's join is handed to.</summary>
public class MultiEmsRoomTests
{
    private static RoomRegistry Registry(bool multi = true, int maxPeers = 100)
    {
        ErsOptions options = new();
        options.Server.MultiEmsRooms = multi;
        options.Limits.MaxPeersPerRoom = maxPeers;
        return new RoomRegistry(options, new TokenStore(AdminState.FromOptions(options)), TimeProvider.System);
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static JsonElement Load(int viewers = 0, int maxViewers = 0, double cpu = 0, string[]? streams = null, bool full = false) =>
        Json(new { viewers, maxViewers, cpu, kbps = 0, streams = streams ?? [], full });

    private static async Task<RecordingPeer> EmsAsync(RoomRegistry rooms, string id, string instance = "")
    {
        RecordingPeer ems = new(id);
        Assert.Equal(JsonValueKind.Null, (await rooms.JoinAsync(ems, "r", Json(new { role = "ems", instance }))).Error.ValueKind);
        return ems;
    }

    // Joins a browser; returns the ids its ack names, or the refusal.
    private static async Task<string> BrowserAsync(RoomRegistry rooms, IRoomPeer browser, string stream = "s")
    {
        (JsonElement error, JsonElement data) = await rooms.JoinAsync(browser, "r", Json(new { streamName = stream }));
        return error.ValueKind == JsonValueKind.String
            ? error.GetString()!
            : string.Join(",", data.GetProperty("clients").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Browsers_go_to_the_ems_with_the_fewest_handed_ties_to_the_lower_id_and_only_it_hears_the_join()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer b = await EmsAsync(rooms, "emsB");
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        List<string> handed = [];
        for (int i = 0; i < 4; i++)
        {
            handed.Add(await BrowserAsync(rooms, new RecordingPeer($"b{i}")));
        }

        Assert.Equal(["emsA", "emsB", "emsA", "emsB"], handed);
        Assert.Equal(["b0", "b2"], a.JoinedIds);
        Assert.Equal(["b1", "b3"], b.JoinedIds);
        Assert.Equal((1, 4, 1), rooms.Counts());
        RoomInfo room = Assert.Single(rooms.ListRooms());
        Assert.Equal([("emsA", 2), ("emsB", 2)], room.Emss.Select(e => (e.Id, e.Handed)));
    }

    [Fact]
    public async Task The_stream_picks_the_ems_that_has_it_a_full_ems_is_skipped_and_all_full_is_room_full()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        RecordingPeer b = await EmsAsync(rooms, "emsB");
        Assert.Null(rooms.ReportLoad(a, Load(streams: ["cam1"])));
        Assert.Null(rooms.ReportLoad(b, Load(streams: ["cam2"])));

        // Each stream to the ems that has it, however many that one was handed already.
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b1"), "cam2"));
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b2"), "cam2"));
        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("b3"), "cam1"));

        // A stream neither has (an alias, or about to arrive): any, by the fewest handed.
        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("b4"), "other"));

        // An ems that never reported may have any stream.
        RecordingPeer c = await EmsAsync(rooms, "emsC");
        Assert.Equal("emsC", await BrowserAsync(rooms, new RecordingPeer("b5"), "cam1"));

        // A full ems is skipped even for its own stream; none left is "room full".
        Assert.Null(rooms.ReportLoad(a, Load(streams: ["cam1"], full: true)));
        Assert.Null(rooms.ReportLoad(c, Load(streams: ["cam3"], full: true)));
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b6"), "cam1"));
        Assert.Null(rooms.ReportLoad(b, Load(streams: ["cam2"], full: true)));
        RecordingPeer refused = new("b7");
        Assert.Equal(RoomRegistry.RoomFull, await BrowserAsync(rooms, refused, "cam1"));
        Assert.Null(refused.RoomName);
        Assert.Equal(["b3", "b4"], a.JoinedIds);
    }

    [Fact]
    public async Task Ties_go_to_the_lower_cpu_and_caps_weigh_handed_by_maxViewers()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        RecordingPeer b = await EmsAsync(rooms, "emsB");
        Assert.Null(rooms.ReportLoad(a, Load(cpu: 50)));
        Assert.Null(rooms.ReportLoad(b, Load(cpu: 10.5)));
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b1")));
        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("b2")));

        // With a cap each: 1/10 against 1/100 handed, so B, until 10 to 1 makes them even (then the lower cpu, A).
        Assert.Null(rooms.ReportLoad(a, Load(maxViewers: 10, cpu: 1)));
        Assert.Null(rooms.ReportLoad(b, Load(maxViewers: 100, cpu: 2)));
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer($"c{i}")));
        }

        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("d")));
    }

    [Fact]
    public async Task An_ems_that_leaves_its_browsers_hear_remove_and_rejoin_to_the_other()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        RecordingPeer b = await EmsAsync(rooms, "emsB");
        RecordingPeer[] browsers = [.. Enumerable.Range(0, 4).Select(i => new RecordingPeer($"b{i}"))];
        foreach (RecordingPeer browser in browsers)
        {
            await BrowserAsync(rooms, browser);
        }

        rooms.Leave(a);
        Assert.All(browsers, browser => Assert.Equal(["remove"], browser.Events));
        Assert.Equal(["remove"], b.Events);

        // The player page leaves and joins again (ems-player.js): both of A's browsers go to B now.
        foreach (RecordingPeer browser in browsers.Where(x => x.Id is "b0" or "b2"))
        {
            rooms.Leave(browser);
            Assert.Equal("emsB", await BrowserAsync(rooms, browser));
        }

        Assert.Equal([("emsB", 4)], Assert.Single(rooms.ListRooms()).Emss.Select(e => (e.Id, e.Handed)));

        // A new ems is handed the next browsers, as it has the fewest.
        await EmsAsync(rooms, "emsC");
        Assert.Equal("emsC", await BrowserAsync(rooms, new RecordingPeer("b9")));
    }

    [Fact]
    public async Task The_same_ems_back_keeps_its_browsers_and_an_ems_joining_takes_the_waiting_ones()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer waiting = new("w");
        Assert.Equal(string.Empty, await BrowserAsync(rooms, waiting)); // no ems yet: it waits, as on one ems
        RecordingPeer a = await EmsAsync(rooms, "emsA", "i1");
        Assert.Equal(["w"], a.JoinedIds);
        RecordingPeer b = await EmsAsync(rooms, "emsB", "i2");
        Assert.Empty(b.JoinedIds);
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b1")));

        RecordingPeer back = new("emsB2");
        (JsonElement error, JsonElement data) = await rooms.JoinAsync(back, "r", Json(new { role = "ems", instance = "i2" }));
        Assert.Equal(JsonValueKind.Null, error.ValueKind);
        Assert.Equal(["b1"], data.GetProperty("clients").EnumerateObject().Select(p => p.Name));
        Assert.True(b.Disconnected);
        Assert.Equal([("emsA", 1), ("emsB2", 1)], Assert.Single(rooms.ListRooms()).Emss.Select(e => (e.Id, e.Handed)));
    }

    [Fact]
    public async Task The_room_cap_counts_every_ems_and_browser()
    {
        RoomRegistry rooms = Registry(maxPeers: 3);
        await EmsAsync(rooms, "emsA");
        await EmsAsync(rooms, "emsB");
        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("b1")));
        Assert.Equal(RoomRegistry.RoomFull, await BrowserAsync(rooms, new RecordingPeer("b2")));
        Assert.Equal(RoomRegistry.RoomFull, (await rooms.JoinAsync(new RecordingPeer("emsC"), "r", Json(new { role = "ems" }))).Error.GetString());
    }

    [Fact]
    public async Task Without_the_option_a_second_ems_is_refused_and_reports_change_nothing()
    {
        RoomRegistry rooms = Registry(multi: false);
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        Assert.Equal(RoomRegistry.RoomTaken, (await rooms.JoinAsync(new RecordingPeer("emsB"), "r", Json(new { role = "ems" }))).Error.GetString());
        Assert.Null(rooms.ReportLoad(a, Load(full: true)));
        Assert.Equal("emsA", await BrowserAsync(rooms, new RecordingPeer("b1")));
        Assert.Null(Assert.Single(Assert.Single(rooms.ListRooms()).Emss).Load);
    }

    [Theory]
    [InlineData("[1]", "not an object")]
    [InlineData("""{"viewers":-1,"maxViewers":0,"cpu":1,"kbps":0,"streams":[],"full":false}""", "integers")]
    [InlineData("""{"viewers":1.5,"maxViewers":0,"cpu":1,"kbps":0,"streams":[],"full":false}""", "integers")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":101,"kbps":0,"streams":[],"full":false}""", "cpu")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":"1","kbps":0,"streams":[],"full":false}""", "cpu")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":1,"kbps":0,"streams":[3],"full":false}""", "streams")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":1,"kbps":0,"streams":"cam","full":false}""", "streams")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":1,"kbps":0,"streams":[],"full":"no"}""", "full")]
    [InlineData("""{"viewers":1,"maxViewers":0,"cpu":1,"kbps":0,"streams":[],"full":false,"more":1}""", "more")]
    public async Task A_bad_report_is_ignored_with_the_reason(string report, string reason)
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        Assert.Null(rooms.ReportLoad(a, Load(streams: ["cam1"], full: true)));
        Assert.Contains(reason, rooms.ReportLoad(a, JsonDocument.Parse(report).RootElement), StringComparison.Ordinal);
        Assert.True(Assert.Single(Assert.Single(rooms.ListRooms()).Emss).Load!.Full); // the last good one stays

        // Anyone but an EMS is not read (the full ems refuses this browser: "room full"), nor logged.
        RecordingPeer browser = new("b1");
        Assert.Equal(RoomRegistry.RoomFull, await BrowserAsync(rooms, browser));
        Assert.Null(rooms.ReportLoad(browser, JsonDocument.Parse(report).RootElement));
    }

    [Fact]
    public async Task Too_many_stream_names_are_refused()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        string[] many = [.. Enumerable.Range(0, EmsLoad.MaxStreams + 1).Select(i => $"s{i}")];
        Assert.NotNull(rooms.ReportLoad(a, Load(streams: many)));
        Assert.Null(rooms.ReportLoad(a, Load(streams: many[..EmsLoad.MaxStreams])));
        Assert.Equal(EmsLoad.MaxStreams, Assert.Single(Assert.Single(rooms.ListRooms()).Emss).Load!.Streams.Length);
    }

    // A name longer than the ERS's limit (a lower limits.maxNameLength than the ems's) is left out, not the report: the
    // list is then incomplete ("more"), so that ems may still have any stream and is not passed over for one that
    // lists none of the browser's.
    [Fact]
    public async Task A_too_long_stream_name_is_left_out_and_the_list_counts_as_incomplete()
    {
        RoomRegistry rooms = Registry();
        RecordingPeer a = await EmsAsync(rooms, "emsA");
        RecordingPeer b = await EmsAsync(rooms, "emsB");
        string longName = new('x', new ErsLimitsOptions().MaxNameLength + 1);
        Assert.Null(rooms.ReportLoad(a, Load(streams: ["cam1"])));
        Assert.Null(rooms.ReportLoad(b, Load(streams: ["cam2", longName])));
        EmsLoad kept = Assert.Single(Assert.Single(rooms.ListRooms()).Emss, e => e.Id == "emsB").Load!;
        Assert.Equal(["cam2"], kept.Streams);
        Assert.True(kept.More);

        // "cam3" is listed by nobody, but emsB's list is incomplete: only it may have it (else the tie went to emsA).
        Assert.Equal("emsB", await BrowserAsync(rooms, new RecordingPeer("b1"), "cam3"));
    }

    [Fact]
    public async Task Over_the_wire_the_report_is_read_the_ack_names_one_ems_and_listRooms_shows_the_split()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Server.MultiEmsRooms = true);
        await using SocketIoTestClient a = await SocketIoTestClient.ConnectAsync(ers.Port);
        await using SocketIoTestClient b = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await a.JoinEmsAsync("r"))[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, (await b.JoinEmsAsync("r"))[0].ValueKind);
        long ackId = (await a.EmitAsync("emsLoad", true, new { viewers = 3, maxViewers = 10, cpu = 12.5, kbps = 900, streams = new[] { "cam1" }, full = true }))!.Value;
        await a.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && SocketIoPayload.TryParseAck(f.Data, out long id, out _) && id == ackId);

        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement ack = await browser.JoinAsync("r", new { streamName = "cam1" });
        Assert.Equal([b.Sid], ack[1].GetProperty("clients").EnumerateObject().Select(p => p.Name));
        Assert.Equal(browser.Sid, (await b.NextEventAsync("clientJoined")).GetProperty("id").GetString());
        Assert.True(a.HasNoEvent("clientJoined"));

        using HttpClient http = new();
        JsonElement room = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{ers.AdminPort}/?c=listRooms")))
            .RootElement.GetProperty("data")[0];
        Assert.Equal(2, room.GetProperty("emsCount").GetInt32());
        JsonElement[] emss = [.. room.GetProperty("emss").EnumerateArray()];
        JsonElement reported = emss.Single(e => e.GetProperty("id").GetString() == a.Sid);
        Assert.Equal(0, reported.GetProperty("handed").GetInt32());
        Assert.Equal(12.5, reported.GetProperty("load").GetProperty("cpu").GetDouble());
        Assert.Equal(1, emss.Single(e => e.GetProperty("id").GetString() == b.Sid).GetProperty("handed").GetInt32());
    }
}
