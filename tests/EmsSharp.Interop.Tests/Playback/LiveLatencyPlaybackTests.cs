using System.Text.Json;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// How far behind the live edge a viewer plays (issue 15), measured in the page: Chromium opens evowrtcclient.html with
/// the defaults a user gets and plays samples/test.flv (a keyframe every 2 s, so a new viewer starts up to 2 s back, at
/// the GOP cache's keyframe). From the first decoded frame the page samples every 100 ms; the samples after 5 s of
/// playing must have a median under 300 ms. fmp4: the media buffered ahead of playback (buffered end minus currentTime),
/// the player's own figure. srtp, for comparison: a frame's time from its last packet received to its presentation.
/// Median and p90 are printed (docs/BENCHMARKS.md).
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class LiveLatencyPlaybackTests(ITestOutputHelper output)
{
    private const int PlayingMs = 5000;
    private const int SampleMs = 100;
    private const int MeasuredSamples = 30;

    [Theory]
    [InlineData("fmp4")]
    [InlineData("srtp")]
    public async Task Viewer_plays_near_the_live_edge_after_five_seconds(string transport)
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("test", transport));
        await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("joinToFirstFrameMs").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);

        var json = await page.EvaluateAsync<string>(SampleScript, new { transport, playingMs = PlayingMs, sampleMs = SampleMs, count = MeasuredSamples });
        var result = JsonDocument.Parse(json).RootElement;
        output.WriteLine(json);
        var error = result.GetProperty("error").GetString();
        Assert.True(string.IsNullOrEmpty(error), error);
        var trace = result.GetProperty("samples").EnumerateArray()
            .Select(s => (At: s.GetProperty("at").GetInt32(), Ms: s.GetProperty("ms").GetInt32())).ToList();
        var measured = trace.Where(s => s.At >= PlayingMs).Select(s => s.Ms).Order().ToList();
        Assert.True(measured.Count >= MeasuredSamples * 2 / 3, "too few samples after 5 s: " + json);

        var median = measured[measured.Count / 2];
        var p90 = measured[(int)Math.Ceiling(measured.Count * 0.9) - 1];
        output.WriteLine($"{transport}: latency after {PlayingMs / 1000} s of playing, {measured.Count} samples: median {median} ms, p90 {p90} ms, "
            + $"max {measured[^1]} ms; before 5 s: [{string.Join(", ", trace.Where(s => s.At < PlayingMs).Select(s => s.Ms))}]");
        output.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Assert.True(median < 300, $"{transport}: median {median} ms behind the live edge after {PlayingMs / 1000} s of playing");
    }

    // Samples from the first decoded frame (player.timing.firstFrameAt) until `count` samples past `playingMs`. fmp4 reads
    // EmsFmp4Player.getStats().latency; srtp takes the mean over the frames presented since the previous sample of the
    // time from a frame's last packet received to its presentation (requestVideoFrameCallback's receiveTime and
    // presentationTime): how long a frame waited in the browser, as a buffered fmp4 frame waits (no sample when no frame
    // was presented in between).
    private const string SampleScript = """
        async ({ transport, playingMs, sampleMs, count }) => {
          const p = window.player, v = p.o.video, samples = [];
          const sleep = ms => new Promise(r => setTimeout(r, ms));
          const presented = [];
          const onFrame = (now, meta) => {
            if (meta.receiveTime) presented.push(meta.presentationTime - meta.receiveTime);
            v.requestVideoFrameCallback(onFrame);
          };
          if (transport === 'srtp') v.requestVideoFrameCallback(onFrame);
          const read = () => {
            const at = Math.round(performance.now() - p.timing.firstFrameAt);
            if (transport === 'fmp4') {
              if (!p.fmp4) return 'the fmp4 player is gone (session torn down)';
              const s = p.fmp4.getStats();
              if (s.latency !== null) samples.push({ at, ms: Math.round(s.latency * 1000) });
            } else if (presented.length) {
              samples.push({ at, ms: Math.round(presented.reduce((a, b) => a + b, 0) / presented.length) });
              presented.length = 0;
            }
            return '';
          };
          const end = p.timing.firstFrameAt + playingMs + count * sampleMs;
          let error = '';
          while (!error && performance.now() < end) {
            error = read();
            await sleep(sampleMs);
          }
          return JSON.stringify({ error, samples, fmp4: p.fmp4 ? p.fmp4.getStats() : null, panel: p.stats() });
        }
        """;
}
