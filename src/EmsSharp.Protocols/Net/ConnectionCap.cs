using System.Net;

namespace EmsSharp.Protocols.Net;

/// <summary>
/// Admits the connections of one listener under an <see cref="AddressSlots"/> cap (per remote address and in all): a
/// connection over either cap is closed at once, before a byte of it is read, and refusals are reported at most once
/// per <see cref="LogThrottle.Interval"/>. The hosts plug <see cref="RunAsync"/> in as a Kestrel connection middleware.
/// </summary>
/// <param name="maxPerAddress">Connections one remote address may hold.</param>
/// <param name="maxConnections">Connections all addresses together may hold.</param>
/// <param name="time">The clock of the report throttle.</param>
/// <param name="report">
/// Called for a refusal when a report is due: the refused address, the cap it met (<c>32 connections from this
/// address</c>, <c>256 connections in all</c>), and how many connections were refused since the previous report (this
/// one included).
/// </param>
public sealed class ConnectionCap(int maxPerAddress, int maxConnections, TimeProvider time, Action<IPAddress, string, long> report)
{
    private readonly AddressSlots _slots = new(maxPerAddress, maxConnections);
    private readonly LogThrottle _refusals = new(time);

    /// <summary>
    /// Runs <paramref name="serve"/> while the connection from <paramref name="remote"/> holds a slot, or calls
    /// <paramref name="refuse"/> (which closes it) when there is none.
    /// </summary>
    public async Task RunAsync(EndPoint? remote, Func<Task> serve, Action refuse)
    {
        ArgumentNullException.ThrowIfNull(serve);
        ArgumentNullException.ThrowIfNull(refuse);
        var address = (remote as IPEndPoint)?.Address ?? IPAddress.None;
        if (!_slots.TryTake(address, out var refusal))
        {
            if (_refusals.TryEnter(out var refused))
            {
                report(address, refusal == AddressSlotRefusal.Address ? $"{maxPerAddress} connections from this address" : $"{maxConnections} connections in all", refused);
            }

            refuse();
            return;
        }

        try
        {
            await serve().ConfigureAwait(false);
        }
        finally
        {
            _slots.Release(address);
        }
    }
}
