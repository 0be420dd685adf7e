using EmsSharp.Media.Aac;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Tests.Delivery.Fmp4;

namespace EmsSharp.Server.Tests.Delivery.Hls;

/// <summary>The segmenter's cuts (keyframes, chunk length, parts) and the playlists it feeds, on frame timestamps only.</summary>
public sealed class HlsSegmenterTests
{
    private static readonly VideoTrackConfig Video = new(MediaCodec.H264, Fmp4TestStream.AvcC(), 1280, 720);
    private static readonly AudioTrackConfig Audio = new(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2);

    // 30 fps video (a keyframe every gop frames) with one AAC frame (1600 samples at 48 kHz... 1/30 s) after each.
    internal static List<HlsSegmenterEvent> Run(HlsSegmenter segmenter, int from, int to, int gop, bool flush = true)
    {
        var events = new List<HlsSegmenterEvent>();
        for (var i = from; i < to; i++)
        {
            segmenter.Push(Fmp4TestStream.VideoFrame(i, key: i % gop == 0), Video, Audio);
            segmenter.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1600L, i * 1600L, true, new byte[12]), Video, Audio);
            Drain(segmenter, events);
        }

        if (flush)
        {
            segmenter.Flush();
            Drain(segmenter, events);
        }

        return events;
    }

    private static void Drain(HlsSegmenter segmenter, List<HlsSegmenterEvent> events)
    {
        while (segmenter.TryPoll(out var e))
        {
            events.Add(e);
        }
    }

    [Fact]
    public void Segments_start_at_keyframes_once_the_chunk_length_passed_and_parts_follow_the_part_target()
    {
        // 1 s GOPs, 2 s chunks, 200 ms parts: 6 s of video make three 2 s segments of ten 200 ms parts.
        var events = Run(new HlsSegmenter(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200)), 0, 180, gop: 30);

        Assert.IsType<HlsInitReady>(events[0]);
        Assert.Contains("avc1.64001F", ((HlsInitReady)events[0]).Codecs, StringComparison.Ordinal);
        Assert.Contains("mp4a.40.2", ((HlsInitReady)events[0]).Codecs, StringComparison.Ordinal);
        var ended = events.OfType<HlsSegmentEnded>().ToList();
        Assert.Equal([0L, 1L, 2L], ended.Select(e => e.Sequence));
        Assert.All(ended, e => Assert.Equal(TimeSpan.FromSeconds(2), e.Duration));
        foreach (var sequence in new long[] { 0, 1, 2 })
        {
            var parts = events.OfType<HlsPartReady>().Where(p => p.Sequence == sequence).ToList();
            Assert.Equal(10, parts.Count);
            Assert.All(parts, p => Assert.Equal(TimeSpan.FromMilliseconds(200), p.Duration));
            Assert.Equal(Enumerable.Range(0, 10), parts.Select(p => p.Index));
            Assert.True(parts[0].Independent); // every segment starts with a keyframe
            Assert.True(parts[5].Independent); // the mid-segment keyframe starts a part too
            Assert.False(parts[1].Independent);
        }
    }

    [Fact]
    public void A_segment_waits_for_the_next_keyframe_when_the_gop_is_longer_than_the_chunk()
    {
        // 3 s GOPs with 1 s chunks: segments are 3 s, never cut between keyframes.
        var events = Run(new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), 0, 270, gop: 90);
        Assert.All(events.OfType<HlsSegmentEnded>(), e => Assert.Equal(TimeSpan.FromSeconds(3), e.Duration));
        Assert.Equal(3, events.OfType<HlsSegmentEnded>().Count());
    }

    [Fact]
    public void A_new_track_configuration_makes_a_new_init_and_a_discontinuity()
    {
        var segmenter = new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200));
        var events = Run(segmenter, 0, 60, gop: 30, flush: false);
        var audio2 = new AudioTrackConfig(MediaCodec.Aac, AudioSpecificConfig.Create(2, 44_100, 2).Raw, 44_100, 2);
        for (var i = 60; i < 70; i++)
        {
            segmenter.Push(Fmp4TestStream.VideoFrame(i, key: i == 60), Video, audio2);
        }

        while (segmenter.TryPoll(out var e))
        {
            events.Add(e);
        }

        var inits = events.OfType<HlsInitReady>().ToList();
        Assert.Equal([0, 1], inits.Select(i => i.Version));
        var started = events.OfType<HlsSegmentStarted>().ToList();
        Assert.False(started[0].Discontinuity);
        Assert.True(started[^1].Discontinuity);
        Assert.Equal(1, started[^1].InitVersion);
    }

    [Fact]
    public void The_low_latency_playlist_lists_a_rolling_window_parts_near_the_edge_and_a_preload_hint()
    {
        var playlist = new HlsPlaylist(new HlsPlaylistSettings("seg", 3, false, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), 1 << 24));
        // 1 s GOPs and chunks: segments 0..5 complete, segment 6 has 2 parts so far (the last frames are held back).
        foreach (var e in Run(new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), 0, 194, gop: 30, flush: false))
        {
            playlist.Apply(e);
        }

        var text = playlist.RenderLowLatency();
        Assert.StartsWith("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.600\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PART-INF:PART-TARGET=0.200\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:3\n", text, StringComparison.Ordinal); // window of 3: 3, 4, 5 (+ the open 6)
        Assert.Contains("#EXT-X-MAP:URI=\"init.mp4\"\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("seg_2.m4s", text, StringComparison.Ordinal);
        Assert.Contains("#EXTINF:1.00000,\nseg_5.m4s\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PART:DURATION=0.20000,URI=\"seg_6.0.m4s\",INDEPENDENT=YES\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PART:DURATION=0.20000,URI=\"seg_6.1.m4s\"\n", text, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg_6.2.m4s\"\n", text, StringComparison.Ordinal);

        // The file playlist: complete segments only, no LL-HLS tags.
        var file = playlist.RenderFile();
        Assert.DoesNotContain("EXT-X-PART", file, StringComparison.Ordinal);
        Assert.DoesNotContain("PRELOAD", file, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:3\n", file, StringComparison.Ordinal);
        Assert.EndsWith("seg_5.m4s\n", file, StringComparison.Ordinal);

        // A segment's bytes are its parts'.
        var segment = playlist.GetSegment(5)!;
        Assert.Equal(Enumerable.Range(0, 5).Sum(i => playlist.GetPart(5, i)!.Length), segment.Length);
        Assert.Null(playlist.GetSegment(2));
    }

    [Fact]
    public void An_appending_playlist_file_keeps_every_segment_and_ends_with_the_stream()
    {
        var playlist = new HlsPlaylist(new HlsPlaylistSettings("seg", 2, true, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), 1 << 24));
        foreach (var e in Run(new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), 0, 150, gop: 30))
        {
            playlist.Apply(e);
        }

        playlist.End();
        var file = playlist.RenderFile();
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MEDIA-SEQUENCE:0\n", file, StringComparison.Ordinal);
        Assert.Equal(5, file.Split("#EXTINF:").Length - 1);
        Assert.EndsWith("#EXT-X-ENDLIST\n", file, StringComparison.Ordinal);
    }
}
