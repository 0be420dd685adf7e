using System.Globalization;
using System.Text;
using System.Xml;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>One Representation of the MPD: a track of a stream, its SegmentTemplate and SegmentTimeline.</summary>
/// <remarks>ZeroWall: the wall time of the track's media time 0 (its presentationTimeOffset is taken from it).</remarks>
internal sealed record DashRepresentation(
    string Id, TrackKind Kind, string Codecs, long Bandwidth, (int Width, int Height, int SampleRate, int Channels) Format,
    long Timescale, DateTimeOffset ZeroWall, string Initialization, string Media, IReadOnlyList<DashSegment> Segments);

/// <summary>
/// Renders a live (dynamic) MPD, ISO/IEC 23009-1 (MPEG-DASH), ISO BMFF live profile (§8.4,
/// urn:mpeg:dash:profile:isoff-live:2011): one Period, one AdaptationSet per kind of track (video, audio) holding every
/// stream's Representation of that kind (a group of streams is one MPD, as HLS's master playlist), each with a
/// SegmentTemplate (§5.3.9.4: initialization, media with $Number$) and a SegmentTimeline (§5.3.9.6). Timing (§5.3.1.2,
/// §5.3.9.5.3): availabilityStartTime is the latest of the tracks' media-time-0 wall times, and each track's
/// presentationTimeOffset is how far before it its own media time 0 lies, so a segment's period time is
/// (t - presentationTimeOffset) / timescale on the wall clock since availabilityStartTime.
/// </summary>
internal static class DashManifest
{
    public const string Namespace = "urn:mpeg:dash:schema:mpd:2011";
    public const string LiveProfile = "urn:mpeg:dash:profile:isoff-live:2011";

    /// <summary>
    /// The MPD, or null before any Representation has a segment. <paramref name="chunkLength"/> is the segment length asked
    /// for; <paramref name="timeShiftBufferDepth"/> the rolling window (null: appending, everything stays);
    /// <paramref name="utcNow"/>, when given, is written as a UTCTiming direct value (§5.8.5.7: what clients sync their clock to).
    /// </summary>
    public static string? Render(
        IReadOnlyList<DashRepresentation> representations, TimeSpan chunkLength, TimeSpan? timeShiftBufferDepth, DateTimeOffset publishTime,
        DateTimeOffset? utcNow)
    {
        if (representations.Count == 0)
        {
            return null;
        }

        var start = representations.Max(static r => r.ZeroWall);
        var sb = new StringBuilder(2048);
        using (var w = XmlWriter.Create(sb, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8, OmitXmlDeclaration = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("MPD", Namespace);
            w.WriteAttributeString("type", "dynamic");
            w.WriteAttributeString("profiles", LiveProfile);
            w.WriteAttributeString("availabilityStartTime", Time(start));
            w.WriteAttributeString("publishTime", Time(publishTime));
            // The MPD changes with every segment: a client reloads it once per segment length (§5.4.1).
            w.WriteAttributeString("minimumUpdatePeriod", XmlConvert.ToString(chunkLength));
            w.WriteAttributeString("minBufferTime", XmlConvert.ToString(chunkLength));
            if (timeShiftBufferDepth is { } depth)
            {
                w.WriteAttributeString("timeShiftBufferDepth", XmlConvert.ToString(depth));
            }

            // Three segments behind the live edge, as RFC 8216 §6.3.3 asks of HLS clients: room for one late segment.
            w.WriteAttributeString("suggestedPresentationDelay", XmlConvert.ToString(3 * chunkLength));
            w.WriteStartElement("Period", Namespace);
            w.WriteAttributeString("id", "0");
            w.WriteAttributeString("start", "PT0S");
            foreach (var kind in (ReadOnlySpan<TrackKind>)[TrackKind.Video, TrackKind.Audio])
            {
                WriteAdaptationSet(w, kind, representations.Where(r => r.Kind == kind).ToList(), start);
            }

            w.WriteEndElement();
            if (utcNow is { } now)
            {
                w.WriteStartElement("UTCTiming", Namespace);
                w.WriteAttributeString("schemeIdUri", "urn:mpeg:dash:utc:direct:2014");
                w.WriteAttributeString("value", Time(now));
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }

        // StringBuilder output says utf-16 in the declaration; the file is UTF-8.
        return sb.Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"").Append('\n').ToString();
    }

    private static void WriteAdaptationSet(XmlWriter w, TrackKind kind, List<DashRepresentation> representations, DateTimeOffset start)
    {
        if (representations.Count == 0)
        {
            return;
        }

        var video = kind == TrackKind.Video;
        w.WriteStartElement("AdaptationSet", Namespace);
        w.WriteAttributeString("id", video ? "0" : "1");
        w.WriteAttributeString("contentType", video ? "video" : "audio");
        w.WriteAttributeString("mimeType", video ? "video/mp4" : "audio/mp4");
        w.WriteAttributeString("segmentAlignment", "true");
        w.WriteAttributeString("startWithSAP", "1"); // every segment starts with a keyframe (§5.3.3.2)
        foreach (var r in representations)
        {
            w.WriteStartElement("Representation", Namespace);
            w.WriteAttributeString("id", r.Id);
            w.WriteAttributeString("bandwidth", Number(r.Bandwidth));
            w.WriteAttributeString("codecs", r.Codecs);
            if (video)
            {
                if (r.Format.Width > 0 && r.Format.Height > 0)
                {
                    w.WriteAttributeString("width", Number(r.Format.Width));
                    w.WriteAttributeString("height", Number(r.Format.Height));
                }
            }
            else if (r.Format.SampleRate > 0)
            {
                w.WriteAttributeString("audioSamplingRate", Number(r.Format.SampleRate));
            }

            if (!video && r.Format.Channels > 0)
            {
                w.WriteStartElement("AudioChannelConfiguration", Namespace);
                w.WriteAttributeString("schemeIdUri", "urn:mpeg:dash:23003:3:audio_channel_configuration:2011");
                w.WriteAttributeString("value", Number(r.Format.Channels));
                w.WriteEndElement();
            }

            WriteSegmentTemplate(w, r, start);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    // §5.3.9.4 SegmentTemplate with §5.3.9.6 SegmentTimeline: S@t (the first and after any gap), S@d, S@r (repeats).
    private static void WriteSegmentTemplate(XmlWriter w, DashRepresentation r, DateTimeOffset start)
    {
        w.WriteStartElement("SegmentTemplate", Namespace);
        w.WriteAttributeString("timescale", Number(r.Timescale));
        w.WriteAttributeString("presentationTimeOffset", Number((long)Math.Round((start - r.ZeroWall).TotalSeconds * r.Timescale)));
        w.WriteAttributeString("startNumber", Number(r.Segments[0].Number));
        w.WriteAttributeString("initialization", r.Initialization);
        w.WriteAttributeString("media", r.Media);
        w.WriteStartElement("SegmentTimeline", Namespace);
        var i = 0;
        while (i < r.Segments.Count)
        {
            var s = r.Segments[i];
            var repeats = 0;
            while (i + repeats + 1 < r.Segments.Count && r.Segments[i + repeats + 1] is var next && next.Duration == s.Duration &&
                next.Start == s.Start + ((repeats + 1) * s.Duration) && next.Number == s.Number + repeats + 1)
            {
                repeats++;
            }

            w.WriteStartElement("S", Namespace);
            w.WriteAttributeString("t", Number(s.Start));
            w.WriteAttributeString("d", Number(s.Duration));
            if (repeats > 0)
            {
                w.WriteAttributeString("r", Number(repeats));
            }

            w.WriteEndElement();
            i += repeats + 1;
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
