using System.Net;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Tests.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery.Hls;

/// <summary>createHLSStream's FAILs, its EvoStream reply, the files, the HTTP side, listConfig, removeConfig and the restore.</summary>
public sealed class CreateHlsStreamCommandTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Theory]
    [InlineData("createHLSStream targetFolder=hls", "Missing mandatory parameter: localstreamnames")]
    [InlineData("createHLSStream localStreamNames=cam", "Missing mandatory parameter: targetfolder")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=../../etc", "outside the media folder")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=/etc", "outside the media folder")]
    [InlineData("createHLSStream localStreamNames=../x targetFolder=hls", "'..'")]
    [InlineData("createHLSStream localStreamNames=a/../../b targetFolder=hls", "'..'")]
    [InlineData("createHLSStream localStreamNames=cam,cam targetFolder=hls", "named twice")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls chunkLength=0", "chunklength")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls chunkLength=ten", "chunklength")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls playlistLength=0", "playlistlength")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls playlistType=live", "playlisttype")]
    [InlineData("createHLSStream localStreamNames=cam,cam2 targetFolder=hls bandwidths=1000", "one per stream")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls bandwidths=-5", "bandwidths")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls playlistName=x/y.m3u8", "playlistname")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls playlistName=list.txt", "m3u8")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls chunkBaseName=..", "chunkbasename")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls groupName=a/b", "groupname")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls drmType=evo", "drmtype")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls useByteRange=1", "usebyterange")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=hls chunkOnIDR=0", "chunkonidr")]
    [InlineData("createHLSStream localStreamNames=cam targetFolder=afile/sub", "cannot write")]
    public Task Bad_input_fails_with_a_clear_reason_and_creates_nothing(string line, string reason) =>
        FailsAndCreatesNothingAsync(_folder, line, reason, "hls");

    /// <summary>
    /// Runs <paramref name="line"/> (a createHLSStream or createDASHStream) on an ems whose media folder holds a file
    /// <c>afile</c> (an unwritable target): it FAILs saying <paramref name="reason"/>, and listConfig's
    /// <paramref name="kind"/> array stays empty.
    /// </summary>
    internal static async Task FailsAndCreatesNothingAsync(string folder, string line, string reason, string kind)
    {
        await using var ems = await TestEms.StartAsync(folder);
        var media = ems.Host.Services.GetRequiredService<HlsOutputManager>().Options.MediaFolderFullPath;
        Directory.CreateDirectory(media);
        await File.WriteAllTextAsync(Path.Combine(media, "afile"), "a file, not a folder");
        await using var cli = await ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync(line);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains(reason, reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty(kind).GetArrayLength());
    }

    [Fact]
    public async Task Segments_playlists_and_the_low_latency_playlist_are_made_listed_and_removed_with_their_files()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync("createHLSStream localStreamNames=cam,cam2 targetFolder=hls chunkLength=1 playlistType=rolling " +
            "playlistLength=3 staleRetentionCount=1 groupName=grp bandwidths=1000000,500000 chunkBaseName=seg keepAlive=0");
        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal("HLS stream created", reply.Description());
        var data = reply.Data();
        Assert.Equal(2, data.GetProperty("configIds").GetArrayLength());
        Assert.Equal("cam2", data.GetProperty("localStreamNames")[1].GetString());
        Assert.Equal(500000, data.GetProperty("bandwidths")[1].GetInt64());
        Assert.Equal(7, data.GetProperty("hlsVersion").GetInt32());
        Assert.Equal("", data.GetProperty("publishingPoint").GetString());
        Assert.Equal("grp", data.GetProperty("groupName").GetString());
        var root = data.GetProperty("targetFolder").GetString()!;
        Assert.Equal(Path.Combine(ems.Host.Services.GetRequiredService<HlsOutputManager>().Options.MediaFolderFullPath, "hls"), root);

        // The same stream twice: FAIL, naming the holder.
        var twice = await cli.JsonAsync("createHLSStream localStreamNames=cam targetFolder=other");
        Assert.Equal("FAIL", twice.Status());
        Assert.Contains("already has an HLS output", twice.Description(), StringComparison.Ordinal);

        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        var output = ems.Host.Services.GetRequiredService<HlsOutputManager>().FindByStream("cam")!;
        await output.Reading.WaitAsync(TimeSpan.FromSeconds(10)); // it reads from the first frame on, not from the GOP cache
        Fmp4TestStream.Publish(stream, 0, 190, gop: 30); // 6 one-second segments and a bit
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            Assert.True(await output.Playlist.WaitForAsync(6, 0, timeout.Token));
        }

        var folder = Path.Combine(root, "cam");
        var list = await cli.JsonAsync("listConfig");
        var entry = list.Data().GetProperty("hls")[0];
        Assert.Equal(3, entry.GetProperty("operationType").GetInt32());
        Assert.Equal(folder, entry.GetProperty("targetFolder").GetString());
        Assert.Equal(0, entry.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32());

        // Files: init, the window plus staleRetentionCount segments (older ones deleted), the playlist, the master, once the
        // output's writer caught up (it writes off the read loop).
        await output.WritesIdle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(Path.Combine(folder, "seg_5.m4s")));
        Assert.True(File.Exists(Path.Combine(folder, "init.mp4")));
        Assert.False(File.Exists(Path.Combine(folder, "seg_0.m4s")));
        Assert.False(File.Exists(Path.Combine(folder, "seg_1.m4s")));
        Assert.True(File.Exists(Path.Combine(folder, "seg_2.m4s")));
        var playlist = await File.ReadAllTextAsync(Path.Combine(folder, "playlist.m3u8"));
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:3\n", playlist, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MAP:URI=\"init.mp4\"", playlist, StringComparison.Ordinal);
        var master = await File.ReadAllTextAsync(Path.Combine(root, "playlist.m3u8"));
        Assert.Contains("#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS=\"avc1.64001F,mp4a.40.2\"\ncam/playlist.m3u8\n", master, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", string.Join(" ", Directory.GetFiles(folder)), StringComparison.Ordinal);

        // HTTP on the media listener: the LL-HLS playlist, init, parts, segments, the master; a reload too far ahead is 400.
        var ws = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ws.Port}/") };
        var live = await http.GetStringAsync("cam/index.m3u8");
        Assert.Contains("#EXT-X-PART:DURATION=0.20000,URI=\"seg_6.0.m4s\",INDEPENDENT=YES", live, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PRELOAD-HINT", live, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, "init.mp4")), await http.GetByteArrayAsync("cam/init.mp4"));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, "seg_5.m4s")), await http.GetByteArrayAsync("cam/seg_5.m4s"));
        Assert.NotEmpty(await http.GetByteArrayAsync("cam/seg_6.0.m4s"));
        Assert.Contains("cam/index.m3u8", await http.GetStringAsync("grp.m3u8"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("cam/index.m3u8?_HLS_msn=40")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("cam/index.m3u8?_HLS_part=1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("nothere/index.m3u8")).StatusCode);

        // A blocking reload for the next part is answered once it is made.
        var blocked = http.GetStringAsync("cam/index.m3u8?_HLS_msn=6&_HLS_part=3");
        Fmp4TestStream.Publish(stream, 190, 210, gop: 30);
        Assert.Contains("seg_6.3.m4s", await blocked.WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);

        var removed = await cli.JsonAsync("removeConfig groupName=grp removeHlsHdsFiles=1");
        Assert.Equal("SUCCESS", removed.Status());
        Assert.Equal(2, removed.Data().GetProperty("removed").GetArrayLength());
        Assert.False(Directory.Exists(folder));
        Assert.False(File.Exists(Path.Combine(root, "playlist.m3u8")));
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("hls").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("cam/index.m3u8")).StatusCode);
    }

    [Fact]
    public async Task A_kept_alive_output_is_restored_at_start_and_removed_by_id()
    {
        long id;
        await using (var first = await TestEms.StartAsync(_folder))
        {
            await using var cli = await first.ConnectJsonAsync();
            var reply = await cli.JsonAsync("createHLSStream localStreamNames=cam targetFolder=hls groupName=g1 chunkLength=2");
            Assert.Equal("SUCCESS", reply.Status());
            id = reply.Data().GetProperty("configIds")[0].GetInt64();
            Assert.Equal("appending", reply.Data().GetProperty("playlistType").GetString()); // EvoStream's default
        }

        await using var second = await TestEms.StartAsync(_folder);
        await using var cli2 = await second.ConnectJsonAsync();
        var info = await cli2.JsonAsync($"getConfigInfo id={id}");
        Assert.Equal("SUCCESS", info.Status());
        Assert.Equal("cam", info.Data().GetProperty("localStreamName").GetString());
        Assert.Equal(2, info.Data().GetProperty("status").GetProperty("current").GetProperty("code").GetInt32()); // waiting for the stream
        Assert.NotNull(second.Host.Services.GetRequiredService<HlsOutputManager>().FindByStream("cam"));
        Assert.Equal("SUCCESS", (await cli2.JsonAsync($"removeConfig id={id}")).Status());
        Assert.Null(second.Host.Services.GetRequiredService<HlsOutputManager>().FindByStream("cam"));
    }
}
