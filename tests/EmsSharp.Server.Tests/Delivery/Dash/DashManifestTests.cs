using System.Globalization;
using System.Xml.Linq;
using EmsSharp.Media.Aac;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Tests.Delivery.Fmp4;

namespace EmsSharp.Server.Tests.Delivery.Dash;

/// <summary>The dynamic MPD (ISO/IEC 23009-1), parsed back: its timing, its Representations and the SegmentTimeline against the segments.</summary>
public sealed class DashManifestTests
{
    private static readonly XNamespace Mpd = DashManifest.Namespace;
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly VideoTrackConfig Video = new(MediaCodec.H264, Fmp4TestStream.AvcC(), 1280, 720);
    private static readonly AudioTrackConfig Audio = new(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2);

    // Feeds 30 fps video (a keyframe a second) and 1/30 s AAC frames into a video and an audio track, as a DASH output does:
    // one segmenter per track; the wall clock runs with the media, the audio 0.5 s later than the video.
    private static (DashTrack Video, DashTrack Audio, List<HlsSegmentEnded> VideoSegments) Feed(int frames, bool rolling, int window)
    {
        var settings = new HlsPlaylistSettings("x", window, false, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), 1 << 24);
        var video = new DashTrack(TrackKind.Video, settings, rolling);
        var audio = new DashTrack(TrackKind.Audio, settings, rolling);
        var ended = new List<HlsSegmentEnded>();
        foreach (var track in (DashTrack[])[video, audio])
        {
            track.Segmenter = new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200));
            track.Format = (1280, 720, 48_000, 2);
        }

        for (var i = 0; i < frames; i++)
        {
            var now = Start + TimeSpan.FromSeconds(i / 30.0);
            video.Segmenter!.Push(Fmp4TestStream.VideoFrame(i, key: i % 30 == 0), Video, null);
            Drain(video, now, ended);
            audio.Segmenter!.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1600L, i * 1600L, true, new byte[12]), null, Audio);
            Drain(audio, now + TimeSpan.FromSeconds(0.5), null);
        }

        return (video, audio, ended);
    }

    private static void Drain(DashTrack track, DateTimeOffset now, List<HlsSegmentEnded>? ended)
    {
        while (track.Segmenter!.TryPoll(out var e))
        {
            track.Store.Apply(e);
            if (e is HlsInitReady init)
            {
                track.SetInit(init);
            }
            else if (e is HlsSegmentEnded end)
            {
                track.Add(end, now);
                ended?.Add(end);
            }
        }
    }

    private static XDocument Render(DashTrack video, DashTrack audio, TimeSpan? depth)
    {
        var representations = new[] { video, audio }.Select(t => t.ToRepresentation("cam", "cam/", 0, onDiskOnly: false)!).ToList();
        var text = DashManifest.Render(representations, TimeSpan.FromSeconds(1), depth, Start.AddMinutes(1), Start.AddMinutes(1));
        Assert.NotNull(text);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", text, StringComparison.Ordinal);
        return XDocument.Parse(text);
    }

    // §5.3.9.6.3: expands S@t/@d/@r into (number, t, d), numbering from startNumber.
    private static List<(long Number, long T, long D)> Timeline(XElement template)
    {
        var number = long.Parse(template.Attribute("startNumber")!.Value, CultureInfo.InvariantCulture);
        var list = new List<(long, long, long)>();
        var t = 0L;
        foreach (var s in template.Element(Mpd + "SegmentTimeline")!.Elements(Mpd + "S"))
        {
            t = s.Attribute("t") is { } start ? long.Parse(start.Value, CultureInfo.InvariantCulture) : t;
            var d = long.Parse(s.Attribute("d")!.Value, CultureInfo.InvariantCulture);
            var r = s.Attribute("r") is { } repeat ? int.Parse(repeat.Value, CultureInfo.InvariantCulture) : 0;
            for (var i = 0; i <= r; i++)
            {
                list.Add((number++, t, d));
                t += d;
            }
        }

        return list;
    }

    [Fact]
    public void A_dynamic_mpd_lists_each_track_with_a_timeline_that_matches_its_segments()
    {
        var (video, audio, segments) = Feed(200, rolling: false, window: 10);
        var mpd = Render(video, audio, null).Root!;
        Assert.Equal("dynamic", mpd.Attribute("type")!.Value);
        Assert.Equal("urn:mpeg:dash:profile:isoff-live:2011", mpd.Attribute("profiles")!.Value);
        Assert.Equal("PT1S", mpd.Attribute("minimumUpdatePeriod")!.Value);
        Assert.Equal("PT3S", mpd.Attribute("suggestedPresentationDelay")!.Value);
        Assert.Null(mpd.Attribute("timeShiftBufferDepth")); // appending: everything stays
        Assert.Equal("2026-12-07T12:01:00.000Z", mpd.Attribute("publishTime")!.Value);
        Assert.Equal("2026-12-07T12:01:00.000Z", mpd.Element(Mpd + "UTCTiming")!.Attribute("value")!.Value);

        // Each track's media time 0 on the wall clock is taken when its first segment completes (a part after its end); the
        // audio's is 0.5 s later than the video's, and the later one is the start.
        var videoZero = video.ZeroWall!.Value;
        var audioZero = audio.ZeroWall!.Value;
        Assert.Equal(Start + TimeSpan.FromSeconds(36 / 30.0) - TimeSpan.FromSeconds(1), videoZero); // segment 0 (1 s) ends when frame 36 closes its first part
        Assert.InRange((audioZero - videoZero).TotalSeconds, 0.3, 0.7);
        Assert.Equal(audioZero.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), mpd.Attribute("availabilityStartTime")!.Value);
        var period = Assert.Single(mpd.Elements(Mpd + "Period"));
        var sets = period.Elements(Mpd + "AdaptationSet").ToList();
        Assert.Equal(["video", "audio"], sets.Select(s => s.Attribute("contentType")!.Value));

        var v = Assert.Single(sets[0].Elements(Mpd + "Representation"));
        Assert.Equal("cam_video", v.Attribute("id")!.Value);
        Assert.Equal("avc1.64001F", v.Attribute("codecs")!.Value, ignoreCase: true);
        Assert.Equal("1280", v.Attribute("width")!.Value);
        Assert.True(long.Parse(v.Attribute("bandwidth")!.Value, CultureInfo.InvariantCulture) > 0);
        var vt = v.Element(Mpd + "SegmentTemplate")!;
        Assert.Equal("90000", vt.Attribute("timescale")!.Value);
        var offset = Math.Round((audioZero - videoZero).TotalSeconds * 90000).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(offset, vt.Attribute("presentationTimeOffset")!.Value); // the video's time 0 lies that far before the start
        Assert.Equal("cam/video_init.mp4", vt.Attribute("initialization")!.Value);
        Assert.Equal("cam/video_$Number$.m4s", vt.Attribute("media")!.Value);
        Assert.Equal(segments.Select(s => (s.Sequence, s.Start, s.Length)), Timeline(vt)); // every segment, in order, contiguous
        Assert.Equal(6, segments.Count); // 0..5 complete (the 7th is open)
        Assert.All(segments, s => Assert.Equal(90000, s.Length));

        var a = Assert.Single(sets[1].Elements(Mpd + "Representation"));
        Assert.StartsWith("mp4a.40.", a.Attribute("codecs")!.Value, StringComparison.Ordinal);
        Assert.Equal("48000", a.Attribute("audioSamplingRate")!.Value);
        Assert.Equal("2", a.Element(Mpd + "AudioChannelConfiguration")!.Attribute("value")!.Value);
        var at = a.Element(Mpd + "SegmentTemplate")!;
        Assert.Equal("48000", at.Attribute("timescale")!.Value);
        Assert.Equal("0", at.Attribute("presentationTimeOffset")!.Value);
        var audioTimeline = Timeline(at);
        Assert.Equal(0, audioTimeline[0].T);
        Assert.All(audioTimeline.Zip(audioTimeline.Skip(1)), p => Assert.Equal(p.First.T + p.First.D, p.Second.T));
    }

    [Fact]
    public void A_rolling_mpd_keeps_its_window_and_says_how_deep_it_is()
    {
        var (video, audio, segments) = Feed(400, rolling: true, window: 3);
        var mpd = Render(video, audio, TimeSpan.FromSeconds(3)).Root!;
        Assert.Equal("PT3S", mpd.Attribute("timeShiftBufferDepth")!.Value);
        var template = mpd.Descendants(Mpd + "SegmentTemplate").First();
        Assert.Equal(segments.TakeLast(3).Select(s => (s.Sequence, s.Start, s.Length)), Timeline(template));
        Assert.Equal("10", template.Attribute("startNumber")!.Value); // 13 made: 10, 11, 12 listed
        var only = template.Descendants(Mpd + "S").Single(); // §5.3.9.6: three equal segments are one S with r=2
        Assert.Equal(["900000", "90000", "2"], new[] { "t", "d", "r" }.Select(n => only.Attribute(n)!.Value));
    }

    [Fact]
    public void No_mpd_before_a_track_has_a_segment()
    {
        var (video, _, _) = Feed(20, rolling: false, window: 3);
        Assert.Null(video.ToRepresentation("cam", "", 0, onDiskOnly: false));
        Assert.Null(DashManifest.Render([], TimeSpan.FromSeconds(1), null, Start, null));
    }
}
