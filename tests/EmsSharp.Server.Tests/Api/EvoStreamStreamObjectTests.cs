using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// The stream object and the stream commands in the shapes EvoStream documents (shared/EVOSTREAM-API.md §1, §2, §4, §7):
/// member names, JSON types and nesting, the numbers its examples give, and what its web UI and client libraries read.
/// </summary>
public sealed class EvoStreamStreamObjectTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    // RMS BaseStream::GetStats: always present, whatever the stream (§2).
    private static readonly string[] AlwaysPresent =
    [
        "uniqueId", "type", "typeNumeric", "name", "creationTimestamp", "queryTimestamp", "upTime", "ip", "port", "nearIp",
        "nearPort", "farIp", "farPort", "bandwidth", "connectionType", "processId", "processType", "audio", "video",
    ];

    private static readonly string[] TrackMembers = ["codec", "codecNumeric", "bytesCount", "droppedBytesCount", "droppedPacketsCount", "packetsCount"];

    [Fact]
    public void An_rtmp_stream_is_an_INR_object_with_both_tracks_times_in_milliseconds_and_its_addresses()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var hub = new StreamHub(time);
        var origin = new StreamOrigin(StreamOrigin.RtmpTag, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1935),
            new IPEndPoint(IPAddress.Parse("10.0.0.9"), 50123), "live");
        Assert.True(hub.TryPublish("cam", out var stream, origin));
        // avcC: version 1, profile 66 (Baseline), compatibility 0, level 30 (3.0), as D20's example stream.
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 66, 0xC0, 30 }, 640, 360));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, new byte[] { 0x11, 0x90 }, 48_000, 2));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, true, new byte[1000])));
        Assert.True(stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, 0, 0, true, new byte[100])));
        time.Advance(TimeSpan.FromMilliseconds(2000));

        var info = Directory(hub, time).ToJson(new ListedStream(stream, null));

        foreach (var member in AlwaysPresent)
        {
            Assert.True(info.ContainsKey(member), member);
        }

        Assert.Equal("INR", info["type"]!.GetValue<string>());
        Assert.Equal(5282249572905648128UL, info["typeNumeric"]!.GetValue<ulong>());
        Assert.Equal(stream.Id, info["uniqueId"]!.GetValue<long>());
        Assert.Equal("cam", info["name"]!.GetValue<string>());
        Assert.Equal("live", info["appName"]!.GetValue<string>());
        Assert.Equal(0, info["connectionType"]!.GetValue<int>()); // standard: no API command made it
        Assert.Equal("origin", info["processType"]!.GetValue<string>());
        Assert.Equal(Environment.ProcessId, info["processId"]!.GetValue<int>());
        Assert.Equal(("10.0.0.1", 1935), (info["nearIp"]!.GetValue<string>(), info["nearPort"]!.GetValue<int>()));
        Assert.Equal(("10.0.0.9", 50123), (info["farIp"]!.GetValue<string>(), info["farPort"]!.GetValue<int>()));
        Assert.Null(info["outStreamsUniqueIds"]);
        Assert.False(info.ContainsKey("pullSettings"));

        // upTime in milliseconds (not seconds) = queryTimestamp - creationTimestamp, both ms since the epoch.
        Assert.Equal(2500, info["upTime"]!.GetValue<double>());
        var created = info["creationTimestamp"]!.GetValue<double>();
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), created);
        Assert.Equal(created + 2500, info["queryTimestamp"]!.GetValue<double>());

        var video = info["video"]!.AsObject();
        var audio = info["audio"]!.AsObject();
        foreach (var member in TrackMembers)
        {
            Assert.True(video.ContainsKey(member), "video." + member);
            Assert.True(audio.ContainsKey(member), "audio." + member);
        }

        Assert.Equal("VH264", video["codec"]!.GetValue<string>());
        Assert.Equal(6217274493967007744UL, video["codecNumeric"]!.GetValue<ulong>());
        Assert.Equal((66, 30, 640, 360), (video["profile"]!.GetValue<int>(), video["level"]!.GetValue<int>(),
            video["width"]!.GetValue<int>(), video["height"]!.GetValue<int>()));
        Assert.Equal((1L, 1000L), (video["packetsCount"]!.GetValue<long>(), video["bytesCount"]!.GetValue<long>()));
        Assert.Equal("AAAC", audio["codec"]!.GetValue<string>());
        Assert.Equal(4702111241970122752UL, audio["codecNumeric"]!.GetValue<ulong>());
        Assert.Equal((1L, 100L), (audio["packetsCount"]!.GetValue<long>(), audio["bytesCount"]!.GetValue<long>()));
        Assert.Equal(1000 * 8 / 2.5, video["aveVideoBitRate"]!.GetValue<double>());

        // Members in alphabetical order, as EvoStream's serializer writes them (§0).
        var names = info.Select(kv => kv.Key).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void A_stream_without_known_tracks_still_has_both_as_VUNK_and_AUNK()
    {
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        Assert.True(hub.TryPublish("bare", out var stream, new StreamOrigin(StreamOrigin.RtspTag)));

        var info = Directory(hub, time).ToJson(new ListedStream(stream, null));

        Assert.Equal("INP", info["type"]!.GetValue<string>());
        Assert.Equal("VUNK", info["video"]!["codec"]!.GetValue<string>());
        Assert.Equal(6220964544311721984UL, info["video"]!["codecNumeric"]!.GetValue<ulong>());
        Assert.Equal(0, info["video"]!["width"]!.GetValue<int>());
        Assert.Equal("AUNK", info["audio"]!["codec"]!.GetValue<string>());
        Assert.Equal(4707755069515235328UL, info["audio"]!["codecNumeric"]!.GetValue<ulong>());
        Assert.Equal(("", 0), (info["farIp"]!.GetValue<string>(), info["farPort"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("INR", 5282249572905648128UL)]
    [InlineData("VH264", 6217274493967007744UL)]
    [InlineData("AAAC", 4702111241970122752UL)]
    [InlineData("VUNK", 6220964544311721984UL)]
    [InlineData("AUNK", 4707755069515235328UL)]
    public void Tags_read_as_EvoStream_numbers(string tag, ulong expected) => Assert.Equal(expected, StreamOrigin.TagNumber(tag));

    [Theory]
    [InlineData("")]
    [InlineData("TOOLONGTAG")]
    [InlineData("IN\u00c9")]
    public void A_tag_that_is_not_1_to_8_ASCII_characters_is_refused(string tag) =>
        Assert.Throws<ArgumentException>(() => StreamOrigin.TagNumber(tag));

    [Fact]
    public async Task Stream_commands_answer_in_the_documented_shapes_the_web_UI_reads()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();

        // No stream: the dashboard's counts are zero, the lists empty.
        Assert.Equal(0, (await cli.JsonAsync("getStreamsCount")).Data().GetProperty("streamCount").GetInt32());
        Assert.Equal(0, (await cli.JsonAsync("getInboundStreamsCount")).Data().GetProperty("inboundStreamsCount").GetInt32());

        Assert.True(hub.TryPublish("cam1", out var stream, new StreamOrigin(StreamOrigin.RtmpTag)));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 77, 0, 31 }, 1280, 720));

        var count = await cli.JsonAsync("getStreamsCount");
        Assert.Equal("Active streams count", count.GetProperty("description").GetString());
        Assert.Equal(1, count.Data().GetProperty("streamCount").GetInt32());
        var inbound = await cli.JsonAsync("getInboundStreamsCount");
        Assert.Equal("Active inbound streams", inbound.GetProperty("description").GetString());
        Assert.Equal(1, inbound.Data().GetProperty("inboundStreamsCount").GetInt32());

        // EvoStream's web UI sorts listStreams by type.charAt(0) and reads uniqueId, name, farIp, audio.codec, video.codec.
        var list = await cli.JsonAsync("listStreams");
        Assert.Equal("Available streams", list.GetProperty("description").GetString());
        var item = Assert.Single(list.Data().EnumerateArray());
        Assert.Equal('I', item.GetProperty("type").GetString()![0]);
        Assert.Equal(JsonValueKind.Number, item.GetProperty("uniqueId").ValueKind);
        Assert.Equal(JsonValueKind.String, item.GetProperty("farIp").ValueKind);
        Assert.Equal("VH264", item.GetProperty("video").GetProperty("codec").GetString());
        Assert.Equal("AUNK", item.GetProperty("audio").GetProperty("codec").GetString());

        var inboundList = await cli.JsonAsync("listInboundStreams");
        Assert.Equal("Available inbound streams", inboundList.GetProperty("description").GetString());
        Assert.Equal("cam1", Assert.Single(inboundList.Data().EnumerateArray()).GetProperty("name").GetString());
        var names = await cli.JsonAsync("listInboundStreamNames");
        Assert.Equal("Inbound local stream names", names.GetProperty("description").GetString());
        Assert.Equal(["cam1"], names.Data().EnumerateArray().Select(n => n.GetString()!));

        // isStreamRunning: {"Running": bool} by uniqueId, SUCCESS with false for an unknown one.
        var running = await cli.JsonAsync($"isStreamRunning id={stream.Id}");
        Assert.Equal("Stream status:", running.GetProperty("description").GetString());
        Assert.True(running.Data().GetProperty("Running").GetBoolean());
        var unknown = await cli.JsonAsync("isStreamRunning id=424242");
        Assert.Equal("SUCCESS", unknown.Status());
        Assert.False(unknown.Data().GetProperty("Running").GetBoolean());
    }

    [Fact]
    public async Task A_pulled_stream_carries_pullSettings_with_its_uri_and_connectionType_1()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        // Nothing listens on port 9: the pull keeps retrying; its name is published here in its place.
        var pull = await cli.JsonAsync("pullStream uri=rtsp://127.0.0.1:9/live/cam localStreamName=pulled");
        Assert.Equal("SUCCESS", pull.Status());
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("pulled", out _, new StreamOrigin(StreamOrigin.RtspTag)));

        var info = (await cli.JsonAsync("getStreamInfo localStreamName=pulled")).Data();
        Assert.Equal(1, info.GetProperty("connectionType").GetInt32());
        var settings = info.GetProperty("pullSettings");
        Assert.Equal("rtsp://127.0.0.1:9/live/cam", settings.GetProperty("uri").GetString()); // the web UI reads .uri as a string
        Assert.Equal("pulled", settings.GetProperty("localStreamName").GetString());
        Assert.Equal(1, settings.GetProperty("operationType").GetInt32());
        Assert.Equal(pull.Data().GetProperty("configId").GetInt64(), settings.GetProperty("configId").GetInt64());
    }

    [Fact]
    public void A_viewer_is_an_outbound_stream_of_its_source_in_the_same_id_space_with_its_events()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var hub = new StreamHub(time);
        var events = new RecordingPublisher();
        var outputs = new OutboundStreamRegistry(hub, events, time);
        var streams = Directory(hub, time, outputs);
        Assert.True(hub.TryPublish("cam", out var stream, new StreamOrigin(StreamOrigin.RtmpTag, AppName: "live")));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 66, 0xC0, 30 }, 640, 360));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Opus, new byte[] { 0 }, 48_000, 2));
        var counters = new ViewerTrafficCounters();
        var shutdowns = 0;
        var output = outputs.Open(new OutboundStreamSpec(stream, OutboundStream.RtpTag, OperationType.WebRtc, counters,
            () => (new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5000), new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 61000)),
            () => new JsonObject { ["peerId"] = "p1" }, () => shutdowns++));
        Assert.True(hub.TryPublish("other", out var other));
        // One id space: the output's id is neither stream's, and ids keep growing across both kinds.
        Assert.True(stream.Id < output.Id && output.Id < other.Id);

        counters.AddPackets(10, 12_000);
        counters.AddAudioPacket(100);
        time.Advance(TimeSpan.FromSeconds(2));
        var info = streams.ToJson(new ListedStream(null, output));
        foreach (var member in AlwaysPresent)
        {
            Assert.True(info.ContainsKey(member), member);
        }

        Assert.Equal("ONP", info["type"]!.GetValue<string>());
        Assert.Equal(StreamOrigin.TagNumber("ONP"), info["typeNumeric"]!.GetValue<ulong>());
        Assert.Equal(output.Id, info["uniqueId"]!.GetValue<long>());
        Assert.Equal(stream.Id, info["inStreamUniqueId"]!.GetValue<long>());
        Assert.Equal(("cam", "live"), (info["name"]!.GetValue<string>(), info["appName"]!.GetValue<string>()));
        Assert.Equal(9, info["connectionType"]!.GetValue<int>());
        Assert.True(info["canDropFrames"]!.GetValue<bool>());
        Assert.Equal(("192.0.2.7", 61000), (info["farIp"]!.GetValue<string>(), info["farPort"]!.GetValue<int>()));
        Assert.Equal(("10.0.0.1", 5000), (info["nearIp"]!.GetValue<string>(), info["nearPort"]!.GetValue<int>()));
        Assert.Equal(2000, info["upTime"]!.GetValue<double>());
        Assert.Equal("p1", info["peerId"]!.GetValue<string>());
        // Its tracks are its source's codecs; srtp sends each track in its own packets, so each has its own counters.
        Assert.Equal(("VH264", 10L, 12_000L), (info["video"]!["codec"]!.GetValue<string>(),
            info["video"]!["packetsCount"]!.GetValue<long>(), info["video"]!["bytesCount"]!.GetValue<long>()));
        Assert.Equal(("AOPUS", 1L, 100L), (info["audio"]!["codec"]!.GetValue<string>(),
            info["audio"]!["packetsCount"]!.GetValue<long>(), info["audio"]!["bytesCount"]!.GetValue<long>()));
        var names = info.Select(kv => kv.Key).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        // The source names its readers.
        var source = streams.ToJson(new ListedStream(stream, null));
        Assert.Equal([output.Id], source["outStreamsUniqueIds"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.Null(streams.ToJson(new ListedStream(other, null))["outStreamsUniqueIds"]);
        Assert.Equal([stream.Id, output.Id, other.Id], streams.List(inboundOnly: false).Select(s => s.Id));
        Assert.Equal([stream.Id, other.Id], streams.List(inboundOnly: true).Select(s => s.Id));
        Assert.Equal((3, 2), (streams.Count(inboundOnly: false), streams.Count(inboundOnly: true)));

        // outStreamCreated carried the object; outStreamClosed carries it as it ended, with the closer's figures, once.
        var created = Assert.Single(events.Payloads);
        Assert.Equal(EventTypes.OutStreamCreated, events.Types[0]);
        Assert.Equal(("ONP", stream.Id), (created["type"]!.GetValue<string>(), created["inStreamUniqueId"]!.GetValue<long>()));
        outputs.Close(output, new JsonObject { ["deliveredPackets"] = 11 });
        outputs.Close(output);
        Assert.Equal([EventTypes.OutStreamCreated, EventTypes.OutStreamClosed], events.Types);
        Assert.Equal(11, events.Payloads[1]["deliveredPackets"]!.GetValue<int>());
        Assert.Equal(12_100, events.Payloads[1]["bytes"]!.GetValue<long>());
        Assert.Null(streams.ToJson(new ListedStream(stream, null))["outStreamsUniqueIds"]);
        Assert.Equal(0, shutdowns);
    }

    [Fact]
    public void An_outputs_current_bit_rates_are_what_it_sent_since_the_previous_sample_at_least_a_second_old()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var hub = new StreamHub(time);
        var outputs = new OutboundStreamRegistry(hub, new RecordingPublisher(), time);
        var streams = Directory(hub, time, outputs);
        Assert.True(hub.TryPublish("cam", out var stream, new StreamOrigin(StreamOrigin.RtmpTag, AppName: "live")));
        var counters = new ViewerTrafficCounters();
        var output = outputs.Open(new OutboundStreamSpec(stream, OutboundStream.RtpTag, OperationType.Push, counters,
            () => (null, null), () => [], () => { }));
        (double Video, double Audio) Rates()
        {
            var info = streams.ToJson(new ListedStream(null, output));
            return (info["video"]!["currVideoBitRate"]!.GetValue<double>(), info["audio"]!["currAudioBitRate"]!.GetValue<double>());
        }

        // The first query measures from the output's creation.
        counters.AddPackets(10, 12_000);
        counters.AddAudioPacket(100);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((48_000d, 400d), Rates());

        // A second later: what was sent in that second only.
        counters.AddPackets(5, 1_000);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((8_000d, 0d), Rates());

        // Asked again within the second: the same figures, not a rate over a sliver of time.
        counters.AddPackets(1, 50_000);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal((8_000d, 0d), Rates());
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal((400_000d, 0d), Rates());
    }

    [Fact]
    public void An_fmp4_output_counts_its_totals_only_as_its_fragments_carry_both_tracks()
    {
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        var outputs = new OutboundStreamRegistry(hub, new RecordingPublisher(), time);
        Assert.True(hub.TryPublish("cam", out var stream));
        var counters = new ViewerTrafficCounters();
        counters.AddPackets(3, 3000);
        var output = outputs.Open(new OutboundStreamSpec(stream, OutboundStream.Fmp4Tag, null, counters, () => (null, null),
            () => [], () => { }));

        var info = Directory(hub, time, outputs).ToJson(new ListedStream(null, output));

        Assert.Equal(("ONFMP4", 0), (info["type"]!.GetValue<string>(), info["connectionType"]!.GetValue<int>()));
        Assert.Equal((3000L, 3L), (info["bytes"]!.GetValue<long>(), info["packets"]!.GetValue<long>()));
        Assert.Equal(0, info["video"]!["bytesCount"]!.GetValue<long>());
        Assert.Equal(("", 0), (info["farIp"]!.GetValue<string>(), info["farPort"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Commands_list_count_find_and_end_outputs_beside_the_inbound_streams()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        var outputs = ems.Host.Services.GetRequiredService<OutboundStreamRegistry>();
        Assert.True(hub.TryPublish("cam1", out var stream));
        var shutdowns = 0;
        var output = outputs.Open(new OutboundStreamSpec(stream, OutboundStream.Fmp4Tag, null, new ViewerTrafficCounters(),
            () => (null, null), () => [], () => Interlocked.Increment(ref shutdowns)));

        Assert.Equal(2, (await cli.JsonAsync("getStreamsCount")).Data().GetProperty("streamCount").GetInt32());
        Assert.Equal(1, (await cli.JsonAsync("getInboundStreamsCount")).Data().GetProperty("inboundStreamsCount").GetInt32());
        Assert.Equal([stream.Id, output.Id], (await cli.JsonAsync("listStreamsIds")).Data().EnumerateArray().Select(e => e.GetInt64()));
        var all = (await cli.JsonAsync("listStreams")).Data().EnumerateArray().ToList();
        // EvoStream's web UI puts each in its table by type.charAt(0).
        Assert.Equal("IO", string.Concat(all.Select(s => s.GetProperty("type").GetString()![0])));
        Assert.Equal(stream.Id, all[1].GetProperty("inStreamUniqueId").GetInt64());
        Assert.Equal([output.Id], all[0].GetProperty("outStreamsUniqueIds").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("cam1", Assert.Single((await cli.JsonAsync("listInboundStreams")).Data().EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(["cam1"], (await cli.JsonAsync("listInboundStreamNames")).Data().EnumerateArray().Select(e => e.GetString()));

        var info = await cli.JsonAsync($"getStreamInfo id={output.Id}");
        Assert.Equal("ONFMP4", info.Data().GetProperty("type").GetString());
        Assert.True((await cli.JsonAsync($"isStreamRunning id={output.Id}")).Data().GetProperty("Running").GetBoolean());

        // shutdownStream of an output ends that viewer only: the stream goes on.
        var shut = await cli.JsonAsync($"shutdownStream id={output.Id}");
        Assert.Equal("SUCCESS", shut.Status());
        Assert.Equal(output.Id, shut.Data().GetProperty("streamInfo").GetProperty("uniqueId").GetInt64());
        Assert.Equal(1, shutdowns);
        Assert.True(hub.TryGetStream(stream.Id, out _));

        // Every FAIL names what it looked for.
        Assert.Equal("No stream has id 424242; see listStreamsIds", (await cli.JsonAsync("getStreamInfo id=424242")).Description());
        Assert.Equal("No stream has localStreamName nope; see listStreams",
            (await cli.JsonAsync("getStreamInfo localStreamName=nope")).Description());
    }

    private StreamDirectory Directory(StreamHub hub, TimeProvider time, OutboundStreamRegistry? outputs = null) => new(hub,
        new PullStreamManager(
            new ConfigurationStore(Options.Create(new EmsOptions { DataFolder = _folder }), time, NullLogger<ConfigurationStore>.Instance),
            hub, time, NullLogger<PullStreamManager>.Instance),
        outputs ?? new OutboundStreamRegistry(hub, new RecordingPublisher(), time), time);
}
