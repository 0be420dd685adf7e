using System.Diagnostics;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>The test process's memory (both servers and every client live in it) after a full collection.</summary>
internal readonly record struct MemorySample(long WorkingSet, long GcHeap)
{
    public static MemorySample Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return new MemorySample(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
    }

    public const long Megabyte = 1024 * 1024;

    /// <summary>A growth in MB, signed.</summary>
    public static string Growth(long bytes) => $"{bytes / (double)Megabyte:+0.0;-0.0} MB";
}
