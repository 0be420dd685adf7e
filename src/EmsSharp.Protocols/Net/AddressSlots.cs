using System.Net;

namespace EmsSharp.Protocols.Net;

/// <summary>
/// Counts the slots (connections, sockets, viewers) each remote address holds, capped per address and, optionally, in
/// all: so one address cannot take every slot of a listener. Thread-safe; each successful take is paired with one
/// <see cref="Release"/>. IPv4-mapped IPv6 addresses count as their IPv4 address (a dual-stack listener sees both).
/// </summary>
public sealed class AddressSlots
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _held = [];
    private readonly int _maxPerAddress;
    private readonly int _maxTotal;
    private int _total;

    /// <summary>Creates a counter.</summary>
    /// <param name="maxPerAddress">Slots one address may hold at once (at least 1).</param>
    /// <param name="maxTotal">Slots all addresses together may hold (no cap by default).</param>
    public AddressSlots(int maxPerAddress, int maxTotal = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        _maxPerAddress = maxPerAddress;
        _maxTotal = maxTotal;
    }

    /// <summary>Takes a slot for <paramref name="address"/>, or says which cap is reached (the address's is checked first).</summary>
    public bool TryTake(IPAddress address, out AddressSlotRefusal refusal)
    {
        var key = Key(address);
        lock (_lock)
        {
            var held = _held.GetValueOrDefault(key);
            refusal = held >= _maxPerAddress ? AddressSlotRefusal.Address
                : _total >= _maxTotal ? AddressSlotRefusal.Total
                : AddressSlotRefusal.None;
            if (refusal != AddressSlotRefusal.None)
            {
                return false;
            }

            _held[key] = held + 1;
            _total++;
            return true;
        }
    }

    /// <summary>Gives back a slot <paramref name="address"/> took.</summary>
    /// <exception cref="InvalidOperationException">The address holds no slot (a release without its take).</exception>
    public void Release(IPAddress address)
    {
        var key = Key(address);
        lock (_lock)
        {
            if (!_held.TryGetValue(key, out var held))
            {
                throw new InvalidOperationException($"{key} holds no slot");
            }

            if (held == 1)
            {
                _held.Remove(key);
            }
            else
            {
                _held[key] = held - 1;
            }

            _total--;
        }
    }

    private static IPAddress Key(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
