namespace EmsSharp.Tests.Shared;

/// <summary>
/// Measures what a piece of code allocates on the calling thread. One measured round can be disturbed by the
/// runtime itself (a tier-up or on-stack replacement compiling while the loop runs, under a loaded CI machine),
/// so the code runs several rounds and the least any round allocated is returned: an allocation the code makes
/// on every call shows up in every round, a one-off of the runtime does not.
/// </summary>
internal static class Allocations
{
    /// <summary>The fewest bytes any of <paramref name="rounds"/> runs of <paramref name="round"/> allocated.</summary>
    public static long Least(Action round, int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(round);
        var least = long.MaxValue;
        for (var i = 0; i < rounds; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
