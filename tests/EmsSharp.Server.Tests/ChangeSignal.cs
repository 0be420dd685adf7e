using System.Diagnostics;

namespace EmsSharp.Server.Tests;

/// <summary>
/// Lets a test wait for a condition on something another thread changes (a log, a sink's inbox) without
/// polling: the changer calls <see cref="Notify"/>, the waiter re-checks on every notification, up to a deadline.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Something changed: wake every waiter to re-check its condition.</summary>
    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test with <paramref name="what"/> after 10 s.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var elapsed = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(10);
        while (true)
        {
            // Take the notification before checking, so a change between the check and the wait is not missed.
            var next = Volatile.Read(ref _next).Task;
            if (condition())
                return;
            var left = timeout - elapsed.Elapsed;
            Assert.True(left > TimeSpan.Zero, what);
            try
            {
                await next.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // checked once more above, then failed
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
