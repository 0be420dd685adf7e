using System.Globalization;
using System.Net;
using System.Xml.Linq;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Tests.Delivery.Fmp4;
using EmsSharp.Server.Tests.Delivery.Hls;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery.Dash;

/// <summary>createDASHStream's FAILs, its EvoStream reply, the files and MPD, the HTTP side, listConfig, removeConfig and the restore.</summary>
public sealed class CreateDashStreamCommandTests : IDisposable
{
    private static readonly XNamespace Mpd = DashManifest.Namespace;
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Theory]
    [InlineData("createDASHStream targetFolder=dash", "Missing mandatory parameter: localstreamnames")]
    [InlineData("createDASHStream localStreamNames=cam", "Missing mandatory parameter: targetfolder")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=../../etc", "outside the media folder")]
    [InlineData("createDASHStream localStreamNames=../x targetFolder=dash", "'..'")]
    [InlineData("createDASHStream localStreamNames=cam,cam targetFolder=dash", "named twice")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash chunkLength=0", "chunklength")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash playlistType=live", "playlisttype")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash manifestName=x/y.mpd", "manifestname")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash manifestName=list.m3u8", "manifestname")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash dynamicProfile=0", "dynamicprofile")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash chunkOnIDR=0", "chunkonidr")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=dash groupName=a/b", "groupname")]
    [InlineData("createDASHStream localStreamNames=cam targetFolder=afile/sub", "cannot write")]
    public Task Bad_input_fails_with_a_clear_reason_and_creates_nothing(string line, string reason) =>
        CreateHlsStreamCommandTests.FailsAndCreatesNothingAsync(_folder, line, reason, "dash");

    [Fact]
    public async Task Segments_and_the_mpd_are_made_served_listed_and_removed_with_their_files()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync("createDASHStream localStreamNames=cam,cam2 targetFolder=dash chunkLength=1 playlistType=rolling " +
            "playlistLength=3 staleRetentionCount=1 groupName=grp bandwidths=1000000,500000 keepAlive=0 _tag=blue");
        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal("DASH stream created", reply.Description());
        var data = reply.Data();
        Assert.Equal(2, data.GetProperty("configIds").GetArrayLength());
        Assert.Equal("cam", data.GetProperty("localStreamNames")[0].GetString());
        Assert.Equal(1000000, data.GetProperty("bandwidths")[0].GetInt64());
        Assert.Equal("manifest.mpd", data.GetProperty("manifestName").GetString());
        Assert.Equal("", data.GetProperty("publishingPoint").GetString());
        Assert.Equal("blue", data.GetProperty("_tag").GetString());
        var root = data.GetProperty("targetFolder").GetString()!;

        var twice = await cli.JsonAsync("createDASHStream localStreamNames=cam targetFolder=other");
        Assert.Equal("FAIL", twice.Status());
        Assert.Contains("already has a DASH output", twice.Description(), StringComparison.Ordinal);

        // Two streams of one group, six one-second video segments and a bit each.
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        DashOutput output = null!;
        foreach (var name in (string[])["cam2", "cam"])
        {
            Assert.True(hub.TryPublish(name, out var published));
            Fmp4TestStream.SetTracks(published);
            output = ems.Host.Services.GetRequiredService<DashOutputManager>().FindByStream(name)!;
            await output.Reading.WaitAsync(TimeSpan.FromSeconds(10));
            Fmp4TestStream.Publish(published, 0, 190, gop: 30);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.True(await output.TrackOf("video_1.m4s")!.Store.WaitForAsync(5, null, timeout.Token));
            Assert.True(await output.TrackOf("audio_1.m4s")!.Store.WaitForAsync(4, null, timeout.Token));
            await output.WritesIdle.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // The group's MPD is written by its first member (cam) whichever member's segment it follows: wait for that writer too.
        await ems.Host.Services.GetRequiredService<DashOutputManager>().FindByStream("cam")!.WritesIdle.WaitAsync(TimeSpan.FromSeconds(10));
        var entry = (await cli.JsonAsync("listConfig")).Data().GetProperty("dash")[0];
        Assert.Equal(6, entry.GetProperty("operationType").GetInt32());
        Assert.Equal(0, entry.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32());
        Assert.Equal(0, entry.GetProperty("status").GetProperty("droppedSegments").GetInt64());
        var streams = (await cli.JsonAsync("listStreams")).Data();
        Assert.True(streams.EnumerateArray().Any(s => s.GetProperty("type").GetString() == "OFDASH" &&
            s.GetProperty("dashSettings").GetProperty("groupName").GetString() == "grp"), streams.ToString());

        // Files: the init segments, the window plus staleRetentionCount segments per track, the group's MPD.
        var folder = Path.Combine(root, "cam");
        Assert.True(File.Exists(Path.Combine(folder, "video_init.mp4")));
        Assert.True(File.Exists(Path.Combine(folder, "audio_init.mp4")));
        Assert.True(File.Exists(Path.Combine(folder, "video_5.m4s")));
        Assert.True(File.Exists(Path.Combine(folder, "video_2.m4s")));
        Assert.False(File.Exists(Path.Combine(folder, "video_1.m4s"))); // 5 - 3 - 1: deleted (dashChunkDeleted)
        Assert.False(File.Exists(Path.Combine(folder, "video_0.m4s")));
        var onDisk = XDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "manifest.mpd"))).Root!;
        Assert.Equal("dynamic", onDisk.Attribute("type")!.Value);
        Assert.Equal("PT3S", onDisk.Attribute("timeShiftBufferDepth")!.Value);
        var representations = onDisk.Descendants(Mpd + "Representation").ToList();
        Assert.Equal(["cam_video", "cam2_video", "cam_audio", "cam2_audio"], representations.Select(r => r.Attribute("id")!.Value));
        Assert.Equal("500000", representations[1].Attribute("bandwidth")!.Value);
        var video = representations[0];
        Assert.Equal("1000000", video.Attribute("bandwidth")!.Value);
        var template = video.Element(Mpd + "SegmentTemplate")!;
        Assert.Equal("cam/video_$Number$.m4s", template.Attribute("media")!.Value);
        Assert.Equal("3", template.Attribute("startNumber")!.Value); // the last 3 of 0..5

        // HTTP on the media listener: the stream's MPD (paths relative to it), the group's, init and segments, from memory.
        var ws = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ws.Port}/") };
        var mpd = await http.GetAsync("cam/manifest.mpd");
        Assert.Equal("application/dash+xml", mpd.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", mpd.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var live = XDocument.Parse(await mpd.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("video_$Number$.m4s", live.Descendants(Mpd + "SegmentTemplate").First().Attribute("media")!.Value);
        Assert.NotNull(live.Element(Mpd + "UTCTiming"));
        Assert.Contains("cam/audio_$Number$.m4s", await http.GetStringAsync("grp.mpd"), StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, "video_init.mp4")), await http.GetByteArrayAsync("cam/video_init.mp4"));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, "video_5.m4s")), await http.GetByteArrayAsync("cam/video_5.m4s"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("cam/video_99.m4s")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("nothere/manifest.mpd")).StatusCode);

        var removed = await cli.JsonAsync("removeConfig groupName=grp removeHlsHdsFiles=1");
        Assert.Equal("SUCCESS", removed.Status());
        Assert.Equal(2, removed.Data().GetProperty("removed").GetArrayLength());
        Assert.False(Directory.Exists(folder));
        Assert.False(File.Exists(Path.Combine(root, "manifest.mpd")));
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("dash").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("cam/manifest.mpd")).StatusCode);
    }

    [Fact]
    public async Task A_kept_alive_output_is_restored_at_start_and_removed_by_id()
    {
        long id;
        await using (var first = await TestEms.StartAsync(_folder))
        {
            await using var cli = await first.ConnectJsonAsync();
            var reply = await cli.JsonAsync("createDASHStream localStreamNames=cam targetFolder=dash chunkLength=2 _who=me");
            Assert.Equal("SUCCESS", reply.Status());
            id = reply.Data().GetProperty("configIds")[0].GetInt64();
            Assert.Equal("appending", reply.Data().GetProperty("playlistType").GetString()); // EvoStream's default
            Assert.StartsWith("dash_group_", reply.Data().GetProperty("groupName").GetString(), StringComparison.Ordinal);
        }

        await using var second = await TestEms.StartAsync(_folder);
        await using var cli2 = await second.ConnectJsonAsync();
        var info = await cli2.JsonAsync(string.Create(CultureInfo.InvariantCulture, $"getConfigInfo id={id}"));
        Assert.Equal("SUCCESS", info.Status());
        Assert.Equal("cam", info.Data().GetProperty("localStreamName").GetString());
        Assert.Equal("me", info.Data().GetProperty("_who").GetString());
        Assert.Equal(2, info.Data().GetProperty("status").GetProperty("current").GetProperty("code").GetInt32()); // waiting for the stream
        Assert.NotNull(second.Host.Services.GetRequiredService<DashOutputManager>().FindByStream("cam"));
        Assert.Equal("SUCCESS", (await cli2.JsonAsync(string.Create(CultureInfo.InvariantCulture, $"removeConfig id={id}"))).Status());
        Assert.Null(second.Host.Services.GetRequiredService<DashOutputManager>().FindByStream("cam"));
    }
}
