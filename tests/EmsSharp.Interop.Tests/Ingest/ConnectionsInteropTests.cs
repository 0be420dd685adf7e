using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Load.Viewers;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Server;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// listConnections through the real HTTP API while ffmpeg publishes over RTMP, while the ems pulls from ffmpeg, and while a
/// WebRTC viewer (the load tool's, through a real ers) plays: each is one connection in EvoStream's shape ({carrier, stack},
/// a pull's pullSettings), carrying its stream, gone once it ends.
/// </summary>
public sealed class ConnectionsInteropTests
{
    [Fact]
    public async Task An_ffmpeg_rtmp_publisher_is_listed_as_a_connection_carrying_its_stream_until_it_leaves()
    {
        await WithEmsAsync(async (host, http) =>
        {
            var rtmpPort = host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var ffmpeg = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(30, $"rtmp://127.0.0.1:{rtmpPort}/live/cam1"));
            var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam1", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);

            var publisher = Assert.Single((await GetAsync(http, "listConnections")).EnumerateArray(), c => Layers(c) is ["TCP", "IR"]);
            var carrier = publisher.GetProperty("carrier");
            Assert.Equal(("IOHT_TCP_CARRIER", "127.0.0.1", rtmpPort),
                (carrier.GetProperty("type").GetString(), carrier.GetProperty("farIP").GetString(), carrier.GetProperty("nearPort").GetInt32()));
            Assert.True(carrier.GetProperty("rx").GetInt64() > 3073, "less than an RTMP handshake received"); // C0+C1+C2
            Assert.True(carrier.GetProperty("tx").GetInt64() > 3073, "less than an RTMP handshake sent"); // S0+S1+S2
            var carried = Assert.Single(publisher.GetProperty("stack")[1].GetProperty("streams").EnumerateArray());
            Assert.Equal(("cam1", stream.Id, "INR"),
                (carried.GetProperty("name").GetString(), carried.GetProperty("uniqueId").GetInt64(), carried.GetProperty("type").GetString()));
            var id = carrier.GetProperty("id").GetInt64();
            Assert.Contains(id, (await GetAsync(http, "listConnectionsIds")).EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal("TCP IR", string.Join(' ', Layers(await GetAsync(http, $"getConnectionInfo?id={id}"))));

            // Its stream shut down: the reply says which connection carried it, and the connection goes with it.
            var registry = host.Services.GetRequiredService<ConnectionRegistry>();
            var gone = new SemaphoreSlim(0); // not disposed: the server may still raise Changed after the test
            registry.Changed += () => gone.Release();
            var shut = await GetAsync(http, "shutdownStream?localStreamName=cam1");
            Assert.Equal(id, shut.GetProperty("protocolStackInfo").GetProperty("carrier").GetProperty("id").GetInt64());
            while (registry.TryGet(id, out _))
            {
                Assert.True(await gone.WaitAsync(TimeSpan.FromSeconds(10)), "the publisher's connection is still listed");
            }
        });
    }

    [Fact]
    public async Task A_pull_from_ffmpeg_is_listed_with_its_pullSettings()
    {
        var port = FreePort.Get();
        var url = $"rtmp://127.0.0.1:{port}/app/x";
        using var ffmpeg = FfmpegProcess.Start(RtspTestMedia.Arguments(30, "aac", "-f", "flv", "-listen", "1", url));
        await WithEmsAsync(async (host, http) =>
        {
            var pulled = await GetAsync(http, $"pullStream?uri={url}&localStreamName=pulled");
            var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("pulled", TimeSpan.FromSeconds(20));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);

            var pull = Assert.Single((await GetAsync(http, "listConnections")).EnumerateArray(), c => Layers(c) is ["TCP", "OR"]);
            Assert.Equal(port, pull.GetProperty("carrier").GetProperty("farPort").GetInt32());
            var settings = pull.GetProperty("pullSettings");
            Assert.Equal((pulled.GetProperty("configId").GetInt64(), url, 1),
                (settings.GetProperty("configId").GetInt64(), settings.GetProperty("uri").GetString(), settings.GetProperty("operationType").GetInt32()));
            Assert.Equal(stream.Id, Assert.Single(pull.GetProperty("stack")[1].GetProperty("streams").EnumerateArray()).GetProperty("uniqueId").GetInt64());
        });
    }

    [Fact]
    public async Task A_WebRTC_viewer_is_listed_as_a_UDP_connection_carrying_its_output_until_it_leaves()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync();
        await rig.StartWebrtcAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var signalling = rig.ViewerSignalling(ViewerTransport.Srtp);
        var viewer = new SimulatedViewer(signalling.Create(), ViewerTransport.Srtp, "test", DtlsCertificate.Generate());
        long id;
        await using (viewer)
        {
            await viewer.JoinAsync(timeout.Token);
            await viewer.WaitForPacketsAsync(1, timeout.Token); // media flows: the server made the viewer an output first

            var session = Assert.Single((await GetAsync(rig.Api, "listConnections")).EnumerateArray(), c => Layers(c)[^1] == "WRTCCNX");
            Assert.Equal("UDP ICEU IDTLS WRTCCNX", string.Join(' ', Layers(session)));
            var carrier = session.GetProperty("carrier");
            Assert.Equal(("IOHT_UDP_CARRIER", "127.0.0.1", viewer.LocalPort),
                (carrier.GetProperty("type").GetString(), carrier.GetProperty("farIP").GetString(), carrier.GetProperty("farPort").GetInt32()));
            Assert.True(carrier.GetProperty("nearPort").GetInt32() > 0, "no near port: the shared WebRTC port");
            Assert.True(carrier.GetProperty("tx").GetInt64() > 0, "no media counted as sent");
            var output = Assert.Single(session.GetProperty("stack")[3].GetProperty("streams").EnumerateArray());
            Assert.Equal(("ONP", "test", 9),
                (output.GetProperty("type").GetString(), output.GetProperty("name").GetString(), output.GetProperty("connectionType").GetInt32()));

            id = carrier.GetProperty("id").GetInt64();
            Assert.Contains(id, (await GetAsync(rig.Api, "listConnectionsIds")).EnumerateArray().Select(e => e.GetInt64()));
            var info = await GetAsync(rig.Api, $"getConnectionInfo?id={id}");
            Assert.Equal("UDP ICEU IDTLS WRTCCNX", string.Join(' ', Layers(info)));
            Assert.Equal(output.GetProperty("uniqueId").GetInt64(),
                Assert.Single(info.GetProperty("stack")[3].GetProperty("streams").EnumerateArray()).GetProperty("uniqueId").GetInt64());
            var counters = (await GetAsync(rig.Api, "getExtendedConnectionCounters")).GetProperty("origin").GetProperty("managedUdp");
            Assert.Equal((1, 1), (counters.GetProperty("current").GetInt64(), counters.GetProperty("total").GetInt64()));
        }

        // The viewer left (the ers tells the ems): its connection goes.
        var registry = rig.Ems.Services.GetRequiredService<ConnectionRegistry>();
        var gone = new SemaphoreSlim(0); // not disposed: the server may still raise Changed after the test
        registry.Changed += () => gone.Release();
        while (registry.TryGet(id, out _))
        {
            Assert.True(await gone.WaitAsync(TimeSpan.FromSeconds(10)), "the viewer's connection is still listed");
        }

        Assert.Equal("FAIL", (await rig.CommandAsync($"getConnectionInfo?id={id}")).GetProperty("status").GetString());
    }

    private static async Task WithEmsAsync(Func<EmsHost, HttpClient, Task> test)
    {
        var (host, folder) = await InteropEms.StartAsync();
        await using (host)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}/") };
            await test(host, http);
        }

        Directory.Delete(folder, recursive: true);
    }

    // The reply's data; a FAIL fails the test with its description.
    private static async Task<JsonElement> GetAsync(HttpClient http, string pathAndQuery)
    {
        using var reply = JsonDocument.Parse(await http.GetStringAsync(new Uri(pathAndQuery, UriKind.Relative)));
        Assert.True(reply.RootElement.GetProperty("status").GetString() == "SUCCESS", reply.RootElement.GetProperty("description").GetString());
        return reply.RootElement.GetProperty("data").Clone();
    }

    private static string?[] Layers(JsonElement entry) =>
        [.. entry.GetProperty("stack").EnumerateArray().Select(l => l.GetProperty("type").GetString())];
}
