using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// The default EvoStream transport end to end (PROTOCOL.md §3.3 step 4, §4.1-4.2): Chromium opens
/// evowrtcclient.html from the ERS with transport fmp4; the EMS offers emsCommandChannel then emsStreamChannel,
/// the page asks with fmp4Request and plays the 249-255 framed fMP4 through Media Source Extensions.
/// </summary>
public sealed class Fmp4PlaybackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Chromium_plays_the_file_source_over_data_channels_through_ers()
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("test", "fmp4"));

        var first = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);
        var start = first.GetProperty("framesDecoded").GetInt32();
        var joined = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("joinToFirstFrameMs").GetInt32() > 0, TimeSpan.FromSeconds(10), rig);
        output.WriteLine($"join-to-first-frame (fmp4): {joined.GetProperty("joinToFirstFrameMs").GetInt32()} ms");
        var later = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= start + 120, TimeSpan.FromSeconds(15), rig);
        output.WriteLine($"frames decoded {start} -> {later.GetProperty("framesDecoded").GetInt32()}; latency {later.GetProperty("latencyMs")} ms");
        Assert.Equal("playing", later.GetProperty("state").GetString());
        output.WriteLine($"candidate {later.GetProperty("candidateType")}; path {later.GetProperty("path")}; gathered {later.GetProperty("candidates")}");
        output.WriteLine("browser candidate pairs: " + await PlaybackRig.CandidatePairsAsync(page));
        Assert.Equal("direct (host)", later.GetProperty("path").GetString());

        var peers = await rig.CommandAsync($"listWebrtcPeers?roomid={PlaybackRig.Room}");
        output.WriteLine(peers.GetProperty("data").ToString());
        var peer = Assert.Single(peers.GetProperty("data")[0].GetProperty("peers").EnumerateArray());
        Assert.Equal("fmp4", peer.GetProperty("transport").GetString());
        Assert.Equal("Connected", peer.GetProperty("state").GetString());
        Assert.True(peer.GetProperty("bytesSent").GetInt64() > 100_000);
        // Where the session stands, read on its worker: its state, its timer (not asserted: a read in the turn that woke
        // it finds no deadline until the turn ends) and its data channels' SCTP sender.
        var state = peer.GetProperty("session");
        Assert.Equal("Connected", state.GetProperty("state").GetString());
        Assert.True(state.TryGetProperty("wakeInMs", out _));
        var sctp = state.GetProperty("sctp");
        Assert.Equal("Established", sctp.GetProperty("state").GetString());
        Assert.True(sctp.GetProperty("packetsSent").GetInt64() > 50);

        // The viewer is an outbound stream of the source in EvoStream's listStreams: ONFMP4, reading it.
        var streams = (await rig.CommandAsync("listStreams")).GetProperty("data").EnumerateArray().ToList();
        output.WriteLine(string.Join("\n", streams));
        var source = Assert.Single(streams, s => s.GetProperty("type").GetString()![0] == 'I');
        var viewer = Assert.Single(streams, s => s.GetProperty("type").GetString() == "ONFMP4");
        var viewerId = viewer.GetProperty("uniqueId").GetInt64();
        Assert.Equal(source.GetProperty("uniqueId").GetInt64(), viewer.GetProperty("inStreamUniqueId").GetInt64());
        Assert.Equal([viewerId], source.GetProperty("outStreamsUniqueIds").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(peer.GetProperty("id").GetString(), viewer.GetProperty("peerId").GetString());
        Assert.Equal(9, viewer.GetProperty("connectionType").GetInt32());
        Assert.True(viewer.GetProperty("bytes").GetInt64() > 100_000);
        Assert.NotEqual(0, viewer.GetProperty("farPort").GetInt32());

        // Server-added latency of the live fragments handed to the data channel.
        var delivery = await rig.CommandAsync("getDeliveryStats");
        output.WriteLine(delivery.GetProperty("data").ToString());
        var fmp4 = delivery.GetProperty("data").GetProperty("fmp4");
        Assert.True(fmp4.GetProperty("count").GetInt64() > 30);
        Assert.InRange(fmp4.GetProperty("p50Us").GetInt64(), 1, 1_000_000);

        // shutdownStream of the output disconnects that viewer; the source goes on.
        var shut = await rig.CommandAsync($"shutdownStream?id={viewerId}");
        Assert.Equal("SUCCESS", shut.GetProperty("status").GetString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await rig.CommandAsync("listStreamsIds")).GetProperty("data").EnumerateArray().Any(e => e.GetInt64() == viewerId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the shut down viewer is still listed");
            await Task.Delay(100);
        }

        Assert.True((await rig.CommandAsync($"isStreamRunning?id={source.GetProperty("uniqueId").GetInt64()}"))
            .GetProperty("data").GetProperty("Running").GetBoolean());
    }

    [Fact]
    public async Task Chromium_plays_the_stream_through_a_one_shot_alias_over_data_channels()
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var added = await rig.CommandAsync("addStreamAlias?localstreamname=test&aliasname=guest-1234&expireperiod=-120");
        Assert.Equal("SUCCESS", added.GetProperty("status").GetString());
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("guest-1234", "fmp4"));

        // The fmp4Request names the alias; the server sends the stream it stands for.
        var playing = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 30, TimeSpan.FromSeconds(20), rig);
        output.WriteLine($"frames decoded through the alias: {playing.GetProperty("framesDecoded").GetInt32()}");
        var viewer = Assert.Single((await rig.CommandAsync("listStreams")).GetProperty("data").EnumerateArray(),
            s => s.GetProperty("type").GetString() == "ONFMP4");
        Assert.Equal("test", viewer.GetProperty("name").GetString());

        // One-shot: this viewer used it up.
        Assert.Equal(0, (await rig.CommandAsync("listStreamAliases")).GetProperty("data").GetArrayLength());
    }
}
