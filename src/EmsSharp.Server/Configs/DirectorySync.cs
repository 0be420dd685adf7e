using System.Runtime.InteropServices;

namespace EmsSharp.Server.Configs;

/// <summary>
/// fsync(2) of a folder, so that a rename in it survives a crash (POSIX makes a rename durable only once its
/// folder is synced). .NET opens no handle to a folder, hence the three libc calls. Does nothing on Windows,
/// where <see cref="File.Move(string, string, bool)"/> is already write-through.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, the same on every Unix

    /// <exception cref="IOException">The folder could not be opened or synced.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Open(directory, ReadOnly);
        if (fd < 0)
            throw new IOException($"open {directory}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"fsync {directory}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
