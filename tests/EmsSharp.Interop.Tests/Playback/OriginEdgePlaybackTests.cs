using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Origin and edge (issue 16): one <c>ems</c> (the origin) has the stream; a second (the edge, the rig's, in the room)
/// pulls it from the origin's RTMP playback with <c>pullStream</c>, and Chromium plays it from the edge over WebRTC.
/// </summary>
public sealed class OriginEdgePlaybackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("srtp")]
    [InlineData("fmp4")]
    public async Task Chromium_plays_from_an_edge_that_pulls_from_the_origin_over_rtmp(string transport)
    {
        var originFolder = Directory.CreateTempSubdirectory("ems-origin-").FullName;
        var origin = await PlaybackRig.StartEmsAsync(originFolder); // plays samples/test.flv as "test"
        try
        {
            await using var edge = await PlaybackRig.StartAsync();
            await edge.StartWebrtcAsync();
            var originRtmp = origin.Services.GetRequiredService<RtmpServer>().LocalEndPoint!;
            var pulled = await edge.CommandAsync(
                $"pullStream?uri={Uri.EscapeDataString($"rtmp://127.0.0.1:{originRtmp.Port}/live/test")}&localStreamName=edgetest");
            Assert.Equal("SUCCESS", pulled.GetProperty("status").GetString());

            var page = edge.Chromium.Page;
            await page.GotoAsync(edge.PlayerUrl("edgetest", transport)); // the edge waits for its pull to bring the stream
            var first = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(25), edge);
            var start = first.GetProperty("framesDecoded").GetInt32();
            var later = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= start + 60, TimeSpan.FromSeconds(15), edge);
            output.WriteLine($"origin -> edge -> Chromium ({transport}): frames {start} -> {later.GetProperty("framesDecoded").GetInt32()}");
            Assert.Equal("playing", later.GetProperty("state").GetString());

            // The origin lists the edge's pull as its RTMP output.
            using var originApi = new HttpClient { BaseAddress = new Uri($"http://{origin.HttpEndPoint}/") };
            var streams = await originApi.GetStringAsync(new Uri("listStreams", UriKind.Relative));
            Assert.Contains("\"ONR\"", streams, StringComparison.Ordinal);
        }
        finally
        {
            await origin.DisposeAsync();
            Directory.Delete(originFolder, recursive: true);
        }
    }
}
