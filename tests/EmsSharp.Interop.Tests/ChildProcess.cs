using System.Diagnostics;

namespace EmsSharp.Interop.Tests;

/// <summary>The one way the interop tests end a child process: kill it and its children, wait briefly, dispose.</summary>
internal static class ChildProcess
{
    public static void KillAndDispose(this Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
