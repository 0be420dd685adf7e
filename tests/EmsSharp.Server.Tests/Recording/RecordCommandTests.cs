using EmsSharp.Media.Hub;
using EmsSharp.Server.Events;
using EmsSharp.Server.Recording;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Recording;

/// <summary>record's validation (every FAIL), its EvoStream reply, listConfig/getConfigInfo, persistence and removal.</summary>
public sealed class RecordCommandTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly string _media;

    public RecordCommandTests() => _media = Path.Combine(_folder, "media");

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private Task<TestEms> StartAsync(IEventPublisher? events = null) =>
        TestEms.StartAsync(_folder, services: s =>
        {
            s.Configure<RecordOptions>(o => o.MediaFolder = _media);
            if (events is not null)
            {
                s.AddSingleton(events);
            }
        });

    [Theory]
    [InlineData("record", "Missing mandatory parameter: localstreamname")]
    [InlineData("record localStreamName=cam", "Missing mandatory parameter: pathtofile")]
    [InlineData("record localStreamName=cam\\ x pathToFile=a.mp4", "Invalid value for localstreamname")]
    [InlineData("record localStreamName=cam pathToFile=../a.mp4", "contains '..' (path traversal is refused)")]
    [InlineData("record localStreamName=cam pathToFile=sub/../../a.mp4", "path traversal")]
    [InlineData("record localStreamName=cam pathToFile=/tmp/../etc/a.mp4", "path traversal")]
    [InlineData("record localStreamName=cam pathToFile=a.mp4 type=avi", "Invalid value for type: avi (expected mp4, ts or flv)")]
    [InlineData("record localStreamName=cam pathToFile=a.mp4 chunkLength=-1", "Invalid value for chunklength")]
    [InlineData("record localStreamName=cam pathToFile=a.mp4 chunkLength=86401", "Invalid value for chunklength")]
    [InlineData("record localStreamName=cam pathToFile=a.mp4 chunkLength=ten", "Invalid value for chunklength")]
    [InlineData("record localStreamName=cam pathToFile=a.mp4 overwrite=maybe", "Invalid value for overwrite")]
    [InlineData("record localStreamName=nothere pathToFile=a.mp4 keepAlive=0", "Stream nothere not found")]
    public async Task Bad_input_fails_with_a_clear_reason_and_creates_nothing(string line, string reason)
    {
        await using var ems = await StartAsync();
        await using var cli = await ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync(line);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains(reason, reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("record").GetArrayLength());
    }

    [Fact]
    public async Task An_existing_file_an_unwritable_folder_and_a_second_recording_of_the_same_file_fail()
    {
        await using var ems = await StartAsync();
        await using var cli = await ems.ConnectJsonAsync();
        Directory.CreateDirectory(_media);
        await File.WriteAllTextAsync(Path.Combine(_media, "old.mp4"), "finished");
        var exists = await cli.JsonAsync("record localStreamName=cam pathToFile=old.mp4");
        Assert.Equal("FAIL", exists.Status());
        Assert.Contains("old.mp4 already exists; overwrite=1 replaces it", exists.Description(), StringComparison.Ordinal);
        Assert.Equal("SUCCESS", (await cli.JsonAsync("record localStreamName=cam pathToFile=old.mp4 overwrite=1")).Status());
        Assert.Equal("finished", await File.ReadAllTextAsync(Path.Combine(_media, "old.mp4"))); // nothing written before the stream

        // A folder below a plain file cannot be made.
        var file = Path.Combine(_folder, "plain");
        await File.WriteAllTextAsync(file, "x");
        var unwritable = await cli.JsonAsync($"record localStreamName=cam pathToFile={file}/sub/a.mp4");
        Assert.Equal("FAIL", unwritable.Status());
        Assert.StartsWith("Cannot write to folder " + file + "/sub", unwritable.Description(), StringComparison.Ordinal);

        var again = await cli.JsonAsync("record localStreamName=other pathToFile=old.mp4 overwrite=1");
        Assert.Equal("FAIL", again.Status());
        Assert.Contains("is already recorded by configId", again.Description(), StringComparison.Ordinal);
        Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("record").EnumerateArray());
    }

    [Fact]
    public async Task A_kept_alive_recording_replies_as_evostream_is_saved_restored_and_removed()
    {
        long id;
        await using (var first = await StartAsync())
        {
            await using var cli = await first.ConnectJsonAsync();
            var reply = await cli.JsonAsync("record localStreamName=cam pathToFile=shows/cam type=flv chunkLength=60 _event=launch");
            Assert.Equal("SUCCESS", reply.Status());
            Assert.Equal("Recording Stream", reply.Description());
            var data = reply.Data();
            id = data.GetProperty("configId").GetInt64();
            string[] members =
            [
                "_event", "chunkLength", "computedPathToFile", "configId", "dateFolderStructure", "hasAudio", "keepAlive", "localStreamName",
                "mp4BinPath", "operationType", "overwrite", "pathToFile", "preset", "type", "waitForIDR", "winQtCompat",
            ];
            Assert.Equal(members, data.EnumerateObject().Select(p => p.Name));
            Assert.Equal(7, data.GetProperty("operationType").GetInt32());
            Assert.Equal(Path.Combine(_media, "shows", "cam.flv"), data.GetProperty("computedPathToFile").GetString());
            Assert.Equal("launch", data.GetProperty("_event").GetString());
            Assert.Equal(("flv", 60, true), (data.GetProperty("type").GetString(), data.GetProperty("chunkLength").GetInt32(),
                data.GetProperty("keepAlive").GetBoolean()));

            // Waiting for its stream (code 2), in listConfig's record array and getConfigInfo.
            var record = Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("record").EnumerateArray());
            Assert.Equal(2, record.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32());
            var info = (await cli.JsonAsync($"getConfigInfo id={id}")).Data();
            Assert.Equal("launch", info.GetProperty("_event").GetString());
            Assert.Equal(2, info.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32());
        }

        await using (var second = await StartAsync())
        {
            await using var cli = await second.ConnectJsonAsync();
            var record = Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("record").EnumerateArray());
            Assert.Equal(id, record.GetProperty("configId").GetInt64());
            Assert.Equal("launch", record.GetProperty("_event").GetString());
            Assert.NotNull(second.Host.Services.GetRequiredService<RecordManager>().Find(id));
            Assert.Equal("SUCCESS", (await cli.JsonAsync($"removeConfig id={id}")).Status());
            Assert.Null(second.Host.Services.GetRequiredService<RecordManager>().Find(id));
        }

        await using var third = await StartAsync();
        await using var again = await third.ConnectJsonAsync();
        Assert.Equal(0, (await again.JsonAsync("listConfig")).Data().GetProperty("record").GetArrayLength());
    }

    [Theory]
    [InlineData("pathToFile=cam.mp4", "mp4", "OFMP4")]
    [InlineData("pathToFile=cam.ts", "ts", "OFTS")]
    [InlineData("pathToFile=cam type=ts", "ts", "OFTS")]
    [InlineData("pathToFile=cam.flv", "flv", "OFR")]
    public async Task A_recording_is_an_outbound_stream_with_its_record_settings_and_removal_finalises_its_file(
        string arguments, string type, string typeTag)
    {
        var events = new SignallingPublisher();
        await using var ems = await StartAsync(events);
        await using var cli = await ems.ConnectJsonAsync();
        Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryPublish("cam", out var stream));
        Delivery.Fmp4.Fmp4TestStream.SetTracks(stream);
        Delivery.Fmp4.Fmp4TestStream.Publish(stream, 0, 10, 30);
        var reply = await cli.JsonAsync($"record localStreamName=cam {arguments} keepAlive=0");
        Assert.Equal("SUCCESS", reply.Status());
        Assert.Equal(type, reply.Data().GetProperty("type").GetString());
        Assert.True(reply.Data().GetProperty("hasAudio").GetBoolean());
        var file = Path.Combine(_media, "cam." + type);
        Assert.Equal(file, reply.Data().GetProperty("computedPathToFile").GetString());
        var id = reply.Data().GetProperty("configId").GetInt64();
        await events.WaitForAsync(EventTypes.OutStreamCreated);
        var output = Assert.Single((await cli.JsonAsync("listStreams")).Data().EnumerateArray(), s => s.TryGetProperty("recordSettings", out _));
        Assert.Equal(typeTag, output.GetProperty("type").GetString());
        Assert.Equal(7, output.GetProperty("connectionType").GetInt32());
        Assert.Equal(file, output.GetProperty("recordSettings").GetProperty("computedPathToFile").GetString());

        Assert.Equal("SUCCESS", (await cli.JsonAsync($"removeConfig id={id}")).Status());
        var bytes = await File.ReadAllBytesAsync(file);
        switch (type)
        {
            case "mp4":
                Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);
                Assert.Contains("moof", System.Text.Encoding.ASCII.GetString(bytes), StringComparison.Ordinal); // the held frames were written
                break;
            case "ts":
                Assert.Equal(10, TsTestReader.Pes(TsTestReader.Packets(bytes), Media.Ts.TsMuxer.VideoPid).Count); // the GOP cache's frames
                break;
            default:
                Assert.Equal("FLV"u8.ToArray(), bytes[..3]);
                break;
        }

        await events.WaitForAsync(EventTypes.RecordChunkClosed);
        Assert.Equal(20L, (long)events.Payloads(EventTypes.RecordChunkClosed)[0]["frameCount"]!); // 10 video frames, 10 audio
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("record").GetArrayLength());
    }
}
