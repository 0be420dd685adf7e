using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery;

/// <summary>A per-stream delivery source shared by all its viewers (fMP4 or RTP), as its registry sees it.</summary>
/// <typeparam name="TSubscription">One viewer's view of the source.</typeparam>
internal interface ISharedStreamSource<out TSubscription>
    where TSubscription : class
{
    /// <summary>The live stream the source reads.</summary>
    LiveStream Stream { get; }

    /// <summary>
    /// Attaches a viewer with the default bounds; null once the source has stopped. A <paramref name="listener"/> (a
    /// session worker's) is told of each unit instead of the viewer waiting for it.
    /// </summary>
    TSubscription? Subscribe(IStreamRingListener? listener);

    /// <summary>Its viewers, units and drops now.</summary>
    SharedSourceStats Stats { get; }

    /// <summary>Stops the source; its viewers see the end.</summary>
    void Stop();
}
