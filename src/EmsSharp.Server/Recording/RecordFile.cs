namespace EmsSharp.Server.Recording;

/// <summary>What every record file writer does with its file.</summary>
internal static class RecordFile
{
    /// <summary>Flushes <paramref name="file"/> to the system and, for a file on disk, to the disk: the file is complete.</summary>
    public static void FlushToDisk(Stream file)
    {
        file.Flush();
        if (file is FileStream disk)
        {
            disk.Flush(flushToDisk: true);
        }
    }
}
