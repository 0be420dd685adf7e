using System.Globalization;
using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One RTP track of an RTSP session (publish or pull) feeding the hub: depacketizes (H.264 RFC 6184,
/// AAC RFC 3640, Opus RFC 7587, G.711 RFC 3551), turns the SDP's sprop-parameter-sets / config= into
/// the track configuration, unwraps 32-bit RTP timestamps to 64 bits from the first packet, and publishes
/// frames. Not thread-safe: one connection's loop (or UDP receive loop) owns it.
/// </summary>
internal sealed class RtpTrackIngest
{
    private readonly H264Depacketizer? _h264;
    private readonly Mpeg4GenericDepacketizer? _aac;
    private readonly RtpAudioDepacketizer? _audio;
    private readonly MediaCodec _codec;
    private readonly int _payloadType;
    private VideoTrackConfig? _videoConfig;
    private AudioTrackConfig? _audioConfig;
    private LiveStream? _stream;
    private long _epoch;
    private uint _first;
    private uint _last;
    private bool _started;
    private long _lastDts = long.MinValue;

    private RtpTrackIngest(MediaCodec codec, int payloadType, H264Depacketizer? h264, Mpeg4GenericDepacketizer? aac, RtpAudioDepacketizer? audio)
    {
        _codec = codec;
        _payloadType = payloadType;
        _h264 = h264;
        _aac = aac;
        _audio = audio;
    }

    public MediaCodec Codec => _codec;

    public bool IsVideo => _h264 is not null;

    /// <summary>RTP packets that did not parse or carried another payload type.</summary>
    public long MalformedPackets { get; private set; }

    /// <summary>Builds the ingest of a media description; false (with the reason) for an unsupported codec.</summary>
    public static bool TryCreate(RtspMediaDescription media, out RtpTrackIngest track, out string reason)
    {
        track = null!;
        reason = "";
        switch (media.EncodingName)
        {
            case "H264" when media.Media == "video":
                track = new RtpTrackIngest(MediaCodec.H264, media.PayloadType, new H264Depacketizer(), null, null);
                if (media.FormatParameters.TryGetValue("sprop-parameter-sets", out var sprop))
                {
                    track.TrySetParameterSets(sprop);
                }

                return true;
            case "MPEG4-GENERIC" when media.Media == "audio":
                return TryCreateAac(media, out track, out reason);
            case "OPUS" when media.Media == "audio":
                // RFC 7587 §7: always opus/48000/2 in the SDP, whatever the actual channel count.
                track = new RtpTrackIngest(MediaCodec.Opus, media.PayloadType, null, null, new RtpAudioDepacketizer())
                {
                    _audioConfig = new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2),
                };
                return true;
            case "PCMU" or "PCMA" when media.Media == "audio":
                var codec = media.EncodingName == "PCMU" ? MediaCodec.Pcmu : MediaCodec.Pcma;
                track = new RtpTrackIngest(codec, media.PayloadType, null, null, new RtpAudioDepacketizer())
                {
                    _audioConfig = new AudioTrackConfig(codec, ReadOnlyMemory<byte>.Empty, 8000, media.Channels),
                };
                return true;
            default:
                reason = $"unsupported {media.Media} codec {media.EncodingName}";
                return false;
        }
    }

    /// <summary>Starts publishing into <paramref name="stream"/>: sets the track configuration when known.</summary>
    public void Attach(LiveStream stream)
    {
        _stream = stream;
        if (_videoConfig is not null)
        {
            stream.SetVideoTrack(_videoConfig);
        }

        if (_audioConfig is not null)
        {
            stream.SetAudioTrack(_audioConfig);
        }
    }

    /// <summary>Handles one RTP packet (RFC 3550 §5.1); RTCP and foreign payload types are counted and ignored.</summary>
    public void HandleRtp(ReadOnlySpan<byte> packet)
    {
        if (_stream is null)
        {
            return;
        }

        if (!RtpHeader.TryRead(packet, out var header, out var headerLength) || header.PayloadType != _payloadType ||
            !RtpHeader.TryGetPayload(packet, header, headerLength, out var payload))
        {
            MalformedPackets++;
            return;
        }

        if (_h264 is not null)
        {
            if (_h264.Push(payload, header.SequenceNumber, header.Timestamp, header.Marker) == H264DepacketizerResult.AccessUnitReady)
            {
                PublishVideo(_h264.AccessUnit, _h264.IsKeyframe, Unwrap(_h264.Timestamp));
            }
        }
        else if (_aac is not null)
        {
            if (_aac.Push(payload, header.SequenceNumber, header.Timestamp, header.Marker))
            {
                for (int i = 0; i < _aac.Count; i++)
                {
                    PublishAudio(_aac.GetAccessUnit(i), Unwrap(_aac.GetTimestamp(i)));
                }
            }
            else
            {
                MalformedPackets++;
            }
        }
        else if (_audio!.TryPush(payload, header.SequenceNumber, out var frame))
        {
            PublishAudio(frame, Unwrap(header.Timestamp));
        }
    }

    private static bool TryCreateAac(RtspMediaDescription media, out RtpTrackIngest track, out string reason)
    {
        track = null!;
        var fmtp = media.FormatParameters;
        // RFC 3640 §4.1: mode and config are required; AAC-hbr uses sizeLength 13, indexLength 3, indexDeltaLength 3.
        if (!fmtp.TryGetValue("config", out var hex) || hex.Length is 0 or > 2 * AudioSpecificConfig.MaxSize ||
            !TryFromHex(hex, out var raw) || !AudioSpecificConfig.TryRead(raw, out var asc, out _))
        {
            reason = "mpeg4-generic without a valid config=";
            return false;
        }

        if (!TryGetInt(fmtp, "sizelength", 13, 1, 16, out var sizeLength) ||
            !TryGetInt(fmtp, "indexlength", 3, 0, 8, out var indexLength) ||
            !TryGetInt(fmtp, "indexdeltalength", 3, 0, 8, out var indexDeltaLength))
        {
            reason = "mpeg4-generic with unsupported AU-header sizes";
            return false;
        }

        var channels = asc.ChannelConfiguration is > 0 and < 8 ? asc.ChannelConfiguration : media.Channels;
        track = new RtpTrackIngest(MediaCodec.Aac, media.PayloadType, null,
            new Mpeg4GenericDepacketizer(sizeLength, indexLength, indexDeltaLength, asc.SamplesPerFrame), null)
        {
            _audioConfig = new AudioTrackConfig(MediaCodec.Aac, raw, asc.SamplingFrequency, channels),
        };
        reason = "";
        return true;
    }

    // RFC 6184 §8.1: sprop-parameter-sets is a comma-separated list of base64 NAL units (SPS and PPS).
    private bool TrySetParameterSets(string sprop)
    {
        var sps = new List<byte[]>();
        var pps = new List<byte[]>();
        foreach (var item in sprop.Split(','))
        {
            byte[] nal;
            try
            {
                nal = Convert.FromBase64String(item.Trim());
            }
            catch (FormatException)
            {
                return false;
            }

            AddParameterSet(nal, sps, pps);
        }

        return TryConfigure(sps, pps);
    }

    private static void AddParameterSet(byte[] nal, List<byte[]> sps, List<byte[]> pps)
    {
        if (nal.Length == 0)
        {
            return;
        }

        switch ((NalUnitType)(nal[0] & 0x1F))
        {
            case NalUnitType.Sps when sps.Count < 4 && nal.Length >= 4:
                sps.Add(nal);
                break;
            case NalUnitType.Pps when pps.Count < 4:
                pps.Add(nal);
                break;
        }
    }

    private bool TryConfigure(List<byte[]> sps, List<byte[]> pps)
    {
        if (sps.Count == 0 || pps.Count == 0 || !SequenceParameterSetParser.TryParse(sps[0], out var parsed))
        {
            return false;
        }

        var record = new AvcDecoderConfigurationRecord(sps, pps);
        var bytes = new byte[record.GetSerializedLength()];
        record.TryWrite(bytes, out _);
        _videoConfig = new VideoTrackConfig(MediaCodec.H264, bytes, parsed.Width, parsed.Height);
        _stream?.SetVideoTrack(_videoConfig);
        return true;
    }

    private void PublishVideo(ReadOnlySpan<byte> accessUnit, bool keyframe, long pts)
    {
        if (_videoConfig is null && !TryConfigureInBand(accessUnit))
        {
            return; // nothing is decodable before the parameter sets
        }

        // RTP carries presentation time only (RFC 6184 §5.1); without B-frames DTS = PTS, and DTS is kept
        // strictly increasing for the hub's readers.
        var dts = pts > _lastDts ? pts : _lastDts + 1;
        _lastDts = dts;
        _stream!.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, dts, Math.Max(pts, dts), keyframe, accessUnit.ToArray()));
    }

    // Parameter sets may arrive in-band only (no sprop-parameter-sets): take them from the access unit.
    private bool TryConfigureInBand(ReadOnlySpan<byte> accessUnit)
    {
        var sps = new List<byte[]>();
        var pps = new List<byte[]>();
        var nals = new AvccNalEnumerator(accessUnit);
        while (nals.MoveNext())
        {
            AddParameterSet(nals.Current.ToArray(), sps, pps);
        }

        return !nals.IsMalformed && TryConfigure(sps, pps);
    }

    private void PublishAudio(ReadOnlySpan<byte> frame, long timestamp)
    {
        if (frame.IsEmpty)
        {
            return;
        }

        var dts = timestamp > _lastDts ? timestamp : _lastDts + 1;
        _lastDts = dts;
        _stream!.Publish(new MediaFrame(TrackKind.Audio, _codec, dts, dts, true, frame.ToArray()));
    }

    // RFC 3550 §5.1: the timestamp wraps at 2^32; extend it to 64 bits relative to the first packet.
    private long Unwrap(uint timestamp)
    {
        if (!_started)
        {
            _started = true;
            _first = timestamp;
            _last = timestamp;
        }

        if (timestamp < _last && _last - timestamp > 0x8000_0000u)
        {
            _epoch += 1L << 32;
        }
        else if (timestamp > _last && timestamp - _last > 0x8000_0000u)
        {
            return _epoch - (1L << 32) + timestamp - _first; // a late packet from before the wrap
        }

        _last = timestamp;
        return _epoch + timestamp - _first;
    }

    private static bool TryGetInt(IReadOnlyDictionary<string, string> fmtp, string name, int fallback, int min, int max, out int value)
    {
        if (!fmtp.TryGetValue(name, out var text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
