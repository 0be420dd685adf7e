using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Recording;

/// <summary>One file of a recording being written, fed frames of its stream from the recording's reader (never the publisher's thread).</summary>
internal interface IRecordFileWriter : IDisposable
{
    /// <summary>Frames written into the file.</summary>
    long Frames { get; }

    /// <summary>Bytes written into the file.</summary>
    long Bytes { get; }

    /// <summary>Whether the stream's tracks are still the ones the file was started with (else a new file starts).</summary>
    bool Accepts(LiveStream stream);

    /// <summary>Writes one frame (or holds it for the fragment it belongs to); false when the format cannot carry it.</summary>
    bool Write(in MediaFrame frame);

    /// <summary>Writes what is held back and flushes the file to disk: it is complete.</summary>
    void Finish();
}
