using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// Turns hub frames into <see cref="RtpAccessUnit"/>s, once per stream: H.264 access units packetized per RFC 6184
/// (STAP-A SPS/PPS before each keyframe, single NAL unit packets, FU-A) into one exact-size buffer per access unit;
/// Opus, PCMU and PCMA frames pass through as one payload each (RFC 7587 §4.2, RFC 3551 §4.5.14), sharing the hub's
/// buffer. Single owner (the source's pump); the scratch buffers grow once and are reused.
/// </summary>
internal sealed class RtpAccessUnitPackager
{
    private const int MaxAccessUnitLength = 8 * 1024 * 1024;

    private readonly int _maxPayloadSize;
    private byte[] _scratch = new byte[64 * 1024];
    private (int Offset, int Length, bool Marker)[] _ranges = new (int, int, bool)[64];
    private VideoTrackConfig? _config;
    private byte[] _sps = [];
    private byte[] _pps = [];

    public RtpAccessUnitPackager(int maxPayloadSize = H264Packetizer.DefaultMaxPayloadSize) => _maxPayloadSize = maxPayloadSize;

    /// <summary>
    /// Packages <paramref name="frame"/>; false for frames the srtp transport does not carry (AAC is transcoded per
    /// stream elsewhere) or malformed ones. <paramref name="video"/> is the stream's current video track.
    /// </summary>
    public bool TryPackage(in MediaFrame frame, VideoTrackConfig? video, long arrivalTimestamp, out RtpAccessUnit? unit)
    {
        unit = null;
        var timestamp = unchecked((uint)frame.Pts);
        switch (frame)
        {
            case { Kind: TrackKind.Video, Codec: MediaCodec.H264 }:
                return TryPackageH264(frame, video, timestamp, arrivalTimestamp, out unit);
            case { Kind: TrackKind.Audio, Codec: MediaCodec.Opus or MediaCodec.Pcmu or MediaCodec.Pcma }:
                unit = new RtpAccessUnit(TrackKind.Audio, frame.Codec, timestamp, isKeyframe: false, arrivalTimestamp,
                    [new RtpPayload(frame.Payload, Marker: false)], frame.Payload.Length);
                return true;
            default:
                return false;
        }
    }

    private bool TryPackageH264(in MediaFrame frame, VideoTrackConfig? video, uint timestamp, long arrival, out RtpAccessUnit? unit)
    {
        unit = null;
        if (!ReferenceEquals(video, _config))
        {
            _config = video;
            (_sps, _pps) = ReadParameterSets(video);
        }

        if (frame.Payload.Length > MaxAccessUnitLength
            || !H264Packetizer.TryCreate(frame.Payload.Span, frame.IsKeyframe, _sps, _pps, _maxPayloadSize, out var packetizer))
        {
            return false;
        }

        var count = 0;
        var total = 0;
        while (true)
        {
            if (_scratch.Length - total < _maxPayloadSize)
            {
                Array.Resize(ref _scratch, _scratch.Length * 2);
            }

            if (!packetizer.TryWriteNext(_scratch.AsSpan(total), out var length, out var marker))
            {
                break;
            }

            if (count == _ranges.Length)
            {
                Array.Resize(ref _ranges, _ranges.Length * 2);
            }

            _ranges[count++] = (total, length, marker);
            total += length;
        }

        if (count == 0)
        {
            return false;
        }

        var buffer = _scratch.AsSpan(0, total).ToArray();
        var payloads = new RtpPayload[count];
        for (var i = 0; i < count; i++)
        {
            var (offset, length, marker) = _ranges[i];
            payloads[i] = new RtpPayload(buffer.AsMemory(offset, length), marker);
        }

        unit = new RtpAccessUnit(TrackKind.Video, MediaCodec.H264, timestamp, frame.IsKeyframe, arrival, payloads, total);
        return true;
    }

    private static (byte[] Sps, byte[] Pps) ReadParameterSets(VideoTrackConfig? config)
    {
        if (config is null
            || !AvcDecoderConfigurationRecord.TryRead(config.DecoderConfiguration.Span, out var record, out _)
            || record.SequenceParameterSets.Count == 0 || record.PictureParameterSets.Count == 0)
        {
            return ([], []);
        }

        return (record.SequenceParameterSets[0], record.PictureParameterSets[0]);
    }
}
