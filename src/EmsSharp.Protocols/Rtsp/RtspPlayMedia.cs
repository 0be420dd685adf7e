using System.Globalization;
using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// One media of the SDP an RTSP server answers DESCRIBE with (RFC 2326 §10.2, RFC 4566 §5.14): the hub track it
/// carries, its RTP payload type and clock, its <c>a=rtpmap</c>/<c>a=fmtp</c> values and its <c>a=control</c> name.
/// </summary>
/// <param name="Kind">Video or audio.</param>
/// <param name="Codec">The hub codec it carries.</param>
/// <param name="PayloadType">The RTP payload type (dynamic 96/97, or the static 0/8 of G.711).</param>
/// <param name="ClockRate">The RTP clock rate (= the hub track's timestamp clock).</param>
/// <param name="RtpMap">The <c>a=rtpmap</c> encoding (<c>H264/90000</c>), without the payload type.</param>
/// <param name="Fmtp">The <c>a=fmtp</c> parameters, or null.</param>
/// <param name="Control">The <c>a=control</c> value, relative to the Content-Base (<c>trackID=0</c>).</param>
public sealed record RtspPlayMedia(
    TrackKind Kind, MediaCodec Codec, int PayloadType, int ClockRate, string RtpMap, string? Fmtp, string Control)
{
    /// <summary>The dynamic payload type of the video media.</summary>
    public const int VideoPayloadType = 96;

    /// <summary>The dynamic payload type of the audio media (Opus, AAC).</summary>
    public const int AudioPayloadType = 97;

    /// <summary>
    /// The media of an H.264 track: RFC 6184 §8.1 packetization-mode=1, the first SPS/PPS as sprop-parameter-sets and
    /// the SPS's profile-level-id. False (with <paramref name="reason"/>) for another codec or an unusable avcC.
    /// </summary>
    public static bool TryCreateVideo(VideoTrackConfig config, string control, out RtspPlayMedia media, out string reason)
    {
        ArgumentNullException.ThrowIfNull(config);
        media = null!;
        if (config.Codec != MediaCodec.H264)
        {
            reason = $"video codec {config.Codec} is not carried over RTSP";
            return false;
        }

        if (!AvcDecoderConfigurationRecord.TryRead(config.DecoderConfiguration.Span, out var record, out _)
            || record.SequenceParameterSets.Count == 0 || record.PictureParameterSets.Count == 0
            || record.SequenceParameterSets[0].Length < 4)
        {
            reason = "the H.264 track has no usable SPS/PPS";
            return false;
        }

        var sps = record.SequenceParameterSets[0];
        var fmtp = "packetization-mode=1;sprop-parameter-sets=" + Convert.ToBase64String(sps) + ","
            + Convert.ToBase64String(record.PictureParameterSets[0]) + ";profile-level-id=" + Convert.ToHexString(sps, 1, 3);
        media = new RtspPlayMedia(TrackKind.Video, MediaCodec.H264, VideoPayloadType, VideoTrackConfig.ClockRate, "H264/90000", fmtp, control);
        reason = "";
        return true;
    }

    /// <summary>
    /// The media of an audio track: AAC as RFC 3640 mpeg4-generic AAC-hbr (§3.3.6) with its AudioSpecificConfig as
    /// <c>config</c>, Opus per RFC 7587 §7, PCMU/PCMA on their static types (RFC 3551 §6). False (with
    /// <paramref name="reason"/>) for a track that cannot be described.
    /// </summary>
    public static bool TryCreateAudio(AudioTrackConfig config, string control, out RtspPlayMedia media, out string reason)
    {
        ArgumentNullException.ThrowIfNull(config);
        media = null!;
        reason = "";
        var inv = CultureInfo.InvariantCulture;
        switch (config.Codec)
        {
            case MediaCodec.Aac:
                if (config.SampleRate <= 0 || config.Channels <= 0
                    || !AudioSpecificConfig.TryRead(config.DecoderConfiguration.Span, out _, out _))
                {
                    reason = "the AAC track has no usable AudioSpecificConfig";
                    return false;
                }

                media = new RtspPlayMedia(TrackKind.Audio, MediaCodec.Aac, AudioPayloadType, config.SampleRate,
                    string.Create(inv, $"mpeg4-generic/{config.SampleRate}/{config.Channels}"),
                    "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config="
                    + Convert.ToHexStringLower(config.DecoderConfiguration.Span), control);
                return true;
            case MediaCodec.Opus:
                // RFC 7587 §7: always opus/48000/2, whatever the stream's channels; stereo=1 tells a stereo stream.
                media = new RtspPlayMedia(TrackKind.Audio, MediaCodec.Opus, AudioPayloadType, 48_000, "opus/48000/2",
                    config.Channels == 2 ? "sprop-stereo=1" : null, control);
                return true;
            case MediaCodec.Pcmu or MediaCodec.Pcma:
                var pcmu = config.Codec == MediaCodec.Pcmu;
                media = new RtspPlayMedia(TrackKind.Audio, config.Codec, pcmu ? 0 : 8, 8000, pcmu ? "PCMU/8000" : "PCMA/8000", null, control);
                return true;
            default:
                reason = $"audio codec {config.Codec} is not carried over RTSP";
                return false;
        }
    }
}
