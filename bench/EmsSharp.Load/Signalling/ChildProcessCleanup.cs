using System.Diagnostics;

namespace EmsSharp.Load.Signalling;

/// <summary>Ends a server the run started (ers, redis-server) and removes the temp folder it was given.</summary>
internal static class ChildProcessCleanup
{
    public static async ValueTask KillAsync(Process process, string directory)
    {
        if (!process.HasExited)
        {
            process.Kill();
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }

        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
