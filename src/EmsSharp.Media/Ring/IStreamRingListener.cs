namespace EmsSharp.Media.Ring;

/// <summary>
/// A consumer group's wake-up: a worker that drives many readers registers one listener with a ring (through
/// <see cref="StreamRing{T}.CreateReader"/>: however many of its readers follow that ring, the ring holds it once) and
/// is called once per published unit, not once per reader. The worker then drains its readers of that ring with
/// <see cref="StreamRingReader{T}.TryRead"/> on its own thread.
/// </summary>
/// <remarks>
/// Both methods run on the ring's writer thread, after the unit (or the end) is visible to every reader. They must
/// return quickly, never block, never throw and never publish to the ring: schedule the drain, don't do it here. A
/// listener hears only what happens after its first reader was created, so drain a new reader once at creation.
/// </remarks>
public interface IStreamRingListener
{
    /// <summary>A unit was published to <paramref name="ring"/> (its sequence is <c>ring.Published - 1</c>).</summary>
    void OnPublished(IStreamRing ring);

    /// <summary><paramref name="ring"/> ended: its readers drain what they have not read and then see the end.</summary>
    void OnCompleted(IStreamRing ring);
}
