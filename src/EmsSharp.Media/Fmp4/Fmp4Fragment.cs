namespace EmsSharp.Media.Fmp4;

/// <summary>
/// One media fragment: <c>moof</c>, the 8-byte <c>mdat</c> header, then the video and audio sample bytes
/// of that <c>mdat</c>. Concatenated in this order they form a valid fragment (the trun data offsets
/// count from the start of <see cref="Moof"/>). The memory belongs to the muxer and is valid until its
/// next call.
/// </summary>
public readonly struct Fmp4Fragment
{
    internal Fmp4Fragment(ReadOnlyMemory<byte> moof, ReadOnlyMemory<byte> mdatHeader, ReadOnlyMemory<byte> video,
        ReadOnlyMemory<byte> audio, uint sequenceNumber, int videoSamples, int audioSamples, bool startsWithKeyframe)
    {
        Moof = moof;
        MdatHeader = mdatHeader;
        Video = video;
        Audio = audio;
        SequenceNumber = sequenceNumber;
        VideoSampleCount = videoSamples;
        AudioSampleCount = audioSamples;
        StartsWithKeyframe = startsWithKeyframe;
    }

    /// <summary>The moof box.</summary>
    public ReadOnlyMemory<byte> Moof { get; }

    /// <summary>The mdat box header (size, 'mdat').</summary>
    public ReadOnlyMemory<byte> MdatHeader { get; }

    /// <summary>Video sample bytes (AVCC access units), first in the mdat.</summary>
    public ReadOnlyMemory<byte> Video { get; }

    /// <summary>Audio sample bytes (raw AAC frames), after the video in the mdat.</summary>
    public ReadOnlyMemory<byte> Audio { get; }

    /// <summary>mfhd sequence_number (1, 2, …).</summary>
    public uint SequenceNumber { get; }

    /// <summary>Video samples in the fragment.</summary>
    public int VideoSampleCount { get; }

    /// <summary>Audio samples in the fragment.</summary>
    public int AudioSampleCount { get; }

    /// <summary>True when the first video sample is a keyframe (a viewer may start here).</summary>
    public bool StartsWithKeyframe { get; }

    /// <summary>moof + mdat length.</summary>
    public int Length => Moof.Length + MdatHeader.Length + Video.Length + Audio.Length;

    /// <summary>Copies moof + mdat header + video + audio into <paramref name="destination"/>.</summary>
    public bool TryCopyTo(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        Moof.Span.CopyTo(destination);
        MdatHeader.Span.CopyTo(destination[Moof.Length..]);
        Video.Span.CopyTo(destination[(Moof.Length + MdatHeader.Length)..]);
        Audio.Span.CopyTo(destination[(Moof.Length + MdatHeader.Length + Video.Length)..]);
        written = Length;
        return true;
    }
}
