using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The WebRTC viewer sessions the ems serves (ERS room browsers and WHEP players, from their start, waiting for their
/// stream, handshaking or playing, until they closed) and their cap, <see cref="WebRtcOptions.MaxViewers"/>. A session
/// takes its place before it does anything, so a burst of joins cannot pass the cap. Thread-safe.
/// </summary>
internal sealed class ViewerCap(IOptions<WebRtcOptions> options)
{
    private readonly int _max = options.Value.MaxViewers;
    private int _count;

    /// <summary>Raised (on the thread that took or released a place) when the cap was reached or left (<c>full</c> of <c>emsLoad</c>).</summary>
    public event Action? FullChanged;

    /// <summary>The cap; 0: none.</summary>
    public int Max => _max;

    /// <summary>The sessions that hold a place now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a place for a new session; false (nothing taken) when the cap is reached.</summary>
    public bool TryTake()
    {
        var count = Volatile.Read(ref _count);
        while (true)
        {
            if (_max > 0 && count >= _max)
                return false;
            var seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
                break;
            count = seen;
        }

        if (count + 1 == _max)
            FullChanged?.Invoke();
        return true;
    }

    /// <summary>Gives back the place a closed session took.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _count) == _max - 1 && _max > 0)
            FullChanged?.Invoke();
    }
}
