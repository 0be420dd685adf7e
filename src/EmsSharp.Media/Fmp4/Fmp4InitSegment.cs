using EmsSharp.Media.Aac;
using EmsSharp.Media.Opus;

namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Builds the fMP4 initialization segment (ISO/IEC 14496-12 §8.16 / ISO/IEC 23009-1 style): <c>ftyp</c>
/// then a <c>moov</c> with empty sample tables and an <c>mvex</c>, so all samples come in fragments.
/// <code>
/// ftyp (iso5, minor 512; compatible iso5 iso6 mp41)
/// moov
///   mvhd                      timescale 1000, duration 0, next_track_ID 3
///   trak (video, id 1)        tkhd, mdia(mdhd 90000, hdlr vide, minf(vmhd, dinf/dref/url, stbl(stsd avc1+avcC, stts, stsc, stsz, stco)))
///   trak (audio, id 2)        tkhd, mdia(mdhd rate, hdlr soun, minf(smhd, dinf/dref/url, stbl(stsd mp4a+esds or Opus+dOps, ...)))
///   mvex                      trex per track
/// </code>
/// Built once per stream, so it returns a new array.
/// </summary>
public static class Fmp4InitSegment
{
    private const uint Matrix0 = 0x00010000;
    private const uint Matrix8 = 0x40000000;

    /// <summary>Builds ftyp + moov for the given tracks; at least one must be present.</summary>
    public static byte[] Build(Fmp4VideoTrack? video, Fmp4AudioTrack? audio)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("At least one track is required.", nameof(video));
        }

        var scratch = new byte[2048 + (video?.AvcC.Length ?? 0) + (audio is null ? 0 : Math.Max(AudioSpecificConfig.MaxSize, OpusHeader.MaxSize))];
        var w = new BoxWriter(scratch);

        // §4.3 FileTypeBox.
        var ftyp = w.BeginBox(BoxWriter.FourCc("ftyp"));
        w.WriteUInt32(BoxWriter.FourCc("iso5"));
        w.WriteUInt32(512);
        w.WriteUInt32(BoxWriter.FourCc("iso5"));
        w.WriteUInt32(BoxWriter.FourCc("iso6"));
        w.WriteUInt32(BoxWriter.FourCc("mp41"));
        w.EndBox(ftyp);

        var moov = w.BeginBox(BoxWriter.FourCc("moov"));
        WriteMvhd(ref w);
        if (video is not null)
        {
            WriteTrak(ref w, Fmp4VideoTrack.TrackId, Fmp4VideoTrack.Timescale, video, null);
        }

        if (audio is not null)
        {
            WriteTrak(ref w, Fmp4AudioTrack.TrackId, audio.Timescale, null, audio);
        }

        // §8.8.1 MovieExtendsBox, §8.8.3 TrackExtendsBox.
        var mvex = w.BeginBox(BoxWriter.FourCc("mvex"));
        if (video is not null)
        {
            WriteTrex(ref w, Fmp4VideoTrack.TrackId);
        }

        if (audio is not null)
        {
            WriteTrex(ref w, Fmp4AudioTrack.TrackId);
        }

        w.EndBox(mvex);
        w.EndBox(moov);
        return scratch.AsSpan(0, w.Position).ToArray();
    }

    // §8.2.2 MovieHeaderBox, version 0.
    private static void WriteMvhd(ref BoxWriter w)
    {
        var box = w.BeginFullBox(BoxWriter.FourCc("mvhd"), 0, 0);
        w.WriteUInt32(0); // creation_time
        w.WriteUInt32(0); // modification_time
        w.WriteUInt32(1000); // timescale
        w.WriteUInt32(0); // duration: unknown (live)
        w.WriteUInt32(0x00010000); // rate 1.0
        w.WriteUInt16(0x0100); // volume 1.0
        w.WriteZeros(10); // reserved
        WriteMatrix(ref w);
        w.WriteZeros(24); // pre_defined
        w.WriteUInt32(3); // next_track_ID
        w.EndBox(box);
    }

    private static void WriteMatrix(ref BoxWriter w)
    {
        // Unity matrix { 0x00010000,0,0, 0,0x00010000,0, 0,0,0x40000000 }.
        w.WriteUInt32(Matrix0);
        w.WriteZeros(12);
        w.WriteUInt32(Matrix0);
        w.WriteZeros(12);
        w.WriteUInt32(Matrix8);
    }

    private static void WriteTrak(ref BoxWriter w, uint trackId, uint timescale, Fmp4VideoTrack? video,
        Fmp4AudioTrack? audio)
    {
        var trak = w.BeginBox(BoxWriter.FourCc("trak"));

        // §8.3.2 TrackHeaderBox, version 0, flags track_enabled | track_in_movie.
        var tkhd = w.BeginFullBox(BoxWriter.FourCc("tkhd"), 0, 0x000003);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(trackId);
        w.WriteUInt32(0); // reserved
        w.WriteUInt32(0); // duration
        w.WriteZeros(8); // reserved
        w.WriteUInt16(0); // layer
        w.WriteUInt16(0); // alternate_group
        w.WriteUInt16(audio is not null ? (ushort)0x0100 : (ushort)0); // volume
        w.WriteUInt16(0); // reserved
        WriteMatrix(ref w);
        w.WriteUInt32(video is not null ? (uint)video.Width << 16 : 0); // width 16.16
        w.WriteUInt32(video is not null ? (uint)video.Height << 16 : 0); // height 16.16
        w.EndBox(tkhd);

        var mdia = w.BeginBox(BoxWriter.FourCc("mdia"));

        // §8.4.2 MediaHeaderBox, version 0.
        var mdhd = w.BeginFullBox(BoxWriter.FourCc("mdhd"), 0, 0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(timescale);
        w.WriteUInt32(0); // duration
        w.WriteUInt16(0x55C4); // language 'und' (ISO-639-2/T packed 5-bit letters)
        w.WriteUInt16(0); // pre_defined
        w.EndBox(mdhd);

        // §8.4.3 HandlerBox.
        var hdlr = w.BeginFullBox(BoxWriter.FourCc("hdlr"), 0, 0);
        w.WriteUInt32(0); // pre_defined
        w.WriteUInt32(BoxWriter.FourCc(video is not null ? "vide" : "soun"));
        w.WriteZeros(12); // reserved
        w.WriteBytes(video is not null ? "VideoHandler\0"u8 : "SoundHandler\0"u8);
        w.EndBox(hdlr);

        var minf = w.BeginBox(BoxWriter.FourCc("minf"));
        if (video is not null)
        {
            // §12.1.2 VideoMediaHeaderBox: flags = 1.
            var vmhd = w.BeginFullBox(BoxWriter.FourCc("vmhd"), 0, 1);
            w.WriteZeros(8); // graphicsmode, opcolor
            w.EndBox(vmhd);
        }
        else
        {
            // §12.2.2 SoundMediaHeaderBox.
            var smhd = w.BeginFullBox(BoxWriter.FourCc("smhd"), 0, 0);
            w.WriteZeros(4); // balance, reserved
            w.EndBox(smhd);
        }

        // §8.7.1 DataInformationBox / §8.7.2 DataReferenceBox with one self-contained url entry.
        var dinf = w.BeginBox(BoxWriter.FourCc("dinf"));
        var dref = w.BeginFullBox(BoxWriter.FourCc("dref"), 0, 0);
        w.WriteUInt32(1);
        var url = w.BeginFullBox(BoxWriter.FourCc("url "), 0, 1);
        w.EndBox(url);
        w.EndBox(dref);
        w.EndBox(dinf);

        var stbl = w.BeginBox(BoxWriter.FourCc("stbl"));
        var stsd = w.BeginFullBox(BoxWriter.FourCc("stsd"), 0, 0);
        w.WriteUInt32(1); // entry_count
        if (video is not null)
        {
            WriteAvc1(ref w, video);
        }
        else if (audio!.Opus is { } opus)
        {
            WriteOpus(ref w, opus);
        }
        else
        {
            WriteMp4a(ref w, audio);
        }

        w.EndBox(stsd);
        WriteEmptyTable(ref w, "stts", 1);
        WriteEmptyTable(ref w, "stsc", 1);
        WriteEmptyTable(ref w, "stsz", 2); // sample_size, sample_count
        WriteEmptyTable(ref w, "stco", 1);
        w.EndBox(stbl);
        w.EndBox(minf);
        w.EndBox(mdia);
        w.EndBox(trak);
    }

    private static void WriteEmptyTable(ref BoxWriter w, string type, int zeroWords)
    {
        var box = w.BeginFullBox(BoxWriter.FourCc(type), 0, 0);
        w.WriteZeros(4 * zeroWords);
        w.EndBox(box);
    }

    // §12.1.3 VisualSampleEntry 'avc1' (ISO/IEC 14496-15 §5.4.2.1) with its avcC box.
    private static void WriteAvc1(ref BoxWriter w, Fmp4VideoTrack video)
    {
        var avc1 = w.BeginBox(BoxWriter.FourCc("avc1"));
        w.WriteZeros(6); // reserved
        w.WriteUInt16(1); // data_reference_index
        w.WriteZeros(16); // pre_defined, reserved, pre_defined[3]
        w.WriteUInt16((ushort)video.Width);
        w.WriteUInt16((ushort)video.Height);
        w.WriteUInt32(0x00480000); // horizresolution 72 dpi
        w.WriteUInt32(0x00480000); // vertresolution
        w.WriteUInt32(0); // reserved
        w.WriteUInt16(1); // frame_count
        w.WriteZeros(32); // compressorname
        w.WriteUInt16(0x0018); // depth
        w.WriteUInt16(0xFFFF); // pre_defined = -1
        var avcC = w.BeginBox(BoxWriter.FourCc("avcC"));
        w.WriteBytes(video.AvcC);
        w.EndBox(avcC);
        w.EndBox(avc1);
    }

    // §12.2.3 AudioSampleEntry 'mp4a' (ISO/IEC 14496-14 §5.6) with an esds (ISO/IEC 14496-1 §7.2.6.5).
    private static void WriteMp4a(ref BoxWriter w, Fmp4AudioTrack audio)
    {
        var mp4a = w.BeginBox(BoxWriter.FourCc("mp4a"));
        WriteAudioSampleEntryFields(ref w, audio.ChannelCount, audio.Timescale);

        var asc = audio.Aac!.Raw;
        var esds = w.BeginFullBox(BoxWriter.FourCc("esds"), 0, 0);
        // ES_Descriptor (tag 3): ES_ID, flags, DecoderConfigDescriptor (tag 4), SLConfigDescriptor (tag 6).
        var decoderSpecificLength = 2 + asc.Length;
        var decoderConfigLength = 13 + decoderSpecificLength;
        w.WriteByte(0x03);
        w.WriteByte((byte)(3 + 2 + decoderConfigLength + 3));
        w.WriteUInt16((ushort)Fmp4AudioTrack.TrackId); // ES_ID
        w.WriteByte(0); // streamDependenceFlag, URL_Flag, OCRstreamFlag, streamPriority
        w.WriteByte(0x04);
        w.WriteByte((byte)decoderConfigLength);
        w.WriteByte(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
        w.WriteByte(0x15); // streamType 5 (audio) << 2 | upStream 0 | reserved 1
        w.WriteZeros(3); // bufferSizeDB
        w.WriteUInt32(0); // maxBitrate
        w.WriteUInt32(0); // avgBitrate
        w.WriteByte(0x05); // DecoderSpecificInfo: the AudioSpecificConfig
        w.WriteByte((byte)asc.Length);
        w.WriteBytes(asc);
        w.WriteByte(0x06); // SLConfigDescriptor, predefined = 2 (MP4)
        w.WriteByte(1);
        w.WriteByte(2);
        w.EndBox(esds);
        w.EndBox(mp4a);
    }

    // "Encapsulation of Opus in ISO Base Media File Format" (opus-codec.org/docs/opus_in_isobmff.html) §4.3.1: the
    // AudioSampleEntry 'Opus' with channelcount = OutputChannelCount, samplesize 16 and samplerate 48000 << 16, holding
    // the OpusSpecificBox 'dOps' of §4.3.2: the OpusHead fields (RFC 7845 §5.1) without its magic, big-endian, Version 0.
    private static void WriteOpus(ref BoxWriter w, OpusHeader opus)
    {
        var entry = w.BeginBox(BoxWriter.FourCc("Opus"));
        WriteAudioSampleEntryFields(ref w, opus.ChannelCount, Fmp4AudioTrack.OpusTimescale);
        var dOps = w.BeginBox(BoxWriter.FourCc("dOps"));
        w.WriteByte(0); // Version
        w.WriteByte((byte)opus.ChannelCount); // OutputChannelCount
        w.WriteUInt16(opus.PreSkip); // PreSkip
        w.WriteUInt32(opus.InputSampleRate); // InputSampleRate
        w.WriteUInt16((ushort)opus.OutputGain); // OutputGain, signed Q7.8
        w.WriteByte(opus.MappingFamily); // ChannelMappingFamily
        if (opus.MappingFamily != 0)
        {
            w.WriteByte(opus.StreamCount);
            w.WriteByte(opus.CoupledCount);
            w.WriteBytes(opus.ChannelMapping); // ChannelMapping[OutputChannelCount]
        }

        w.EndBox(dOps);
        w.EndBox(entry);
    }

    // §12.2.3 AudioSampleEntry: SampleEntry's reserved and data_reference_index, then the audio fields.
    private static void WriteAudioSampleEntryFields(ref BoxWriter w, int channelCount, uint sampleRate)
    {
        w.WriteZeros(6); // reserved
        w.WriteUInt16(1); // data_reference_index
        w.WriteZeros(8); // reserved
        w.WriteUInt16((ushort)channelCount);
        w.WriteUInt16(16); // samplesize
        w.WriteUInt32(0); // pre_defined, reserved
        w.WriteUInt32(sampleRate > ushort.MaxValue ? 0 : sampleRate << 16); // samplerate 16.16
    }

    private static void WriteTrex(ref BoxWriter w, uint trackId)
    {
        var trex = w.BeginFullBox(BoxWriter.FourCc("trex"), 0, 0);
        w.WriteUInt32(trackId);
        w.WriteUInt32(1); // default_sample_description_index
        w.WriteUInt32(0); // default_sample_duration
        w.WriteUInt32(0); // default_sample_size
        w.WriteUInt32(0); // default_sample_flags
        w.EndBox(trex);
    }
}
