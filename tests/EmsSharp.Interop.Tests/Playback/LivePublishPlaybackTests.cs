using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// ffmpeg publishes live (RTMP or RTSP) into <c>ems</c>, and Chromium plays it through <c>ers</c> in the
/// given transport: the whole chain of PROTOCOL.md §3.3 with a real encoder at one end and a real browser at
/// the other. (RTMP over srtp, with the end of the stream, is in <see cref="SrtpPlaybackTests"/>.)
/// </summary>
public sealed class LivePublishPlaybackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("rtmp", "fmp4")]
    [InlineData("rtsp", "fmp4")]
    [InlineData("rtsp", "srtp")]
    public async Task Chromium_plays_a_live_publication(string source, string transport)
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var name = source + transport;
        string[] arguments;
        if (source == "rtmp")
        {
            var rtmp = rig.Ems.Services.GetRequiredService<RtmpServer>().LocalEndPoint!;
            arguments = FfmpegProcess.TestSourceArguments(20, $"rtmp://127.0.0.1:{rtmp.Port}/live/{name}");
        }
        else
        {
            var rtsp = rig.Ems.Services.GetRequiredService<RtspServer>().LocalEndPoint!;
            arguments = RtspTestMedia.Arguments(20, "aac", "-f", "rtsp", "-rtsp_transport", "tcp", $"rtsp://127.0.0.1:{rtsp.Port}/{name}");
        }

        using var ffmpeg = FfmpegProcess.Start(arguments);
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl(name, transport)); // the EMS waits for the stream to appear
        var first = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(25), rig);
        var start = first.GetProperty("framesDecoded").GetInt32();
        var later = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= start + 90, TimeSpan.FromSeconds(15), rig);
        output.WriteLine($"{source} -> {transport}: frames {start} -> {later.GetProperty("framesDecoded").GetInt32()}, " +
            $"join-to-first-frame {later.GetProperty("joinToFirstFrameMs")} ms");
        Assert.Equal("playing", later.GetProperty("state").GetString());
    }
}
