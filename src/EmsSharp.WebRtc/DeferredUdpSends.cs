using System.Net;

namespace EmsSharp.WebRtc;

/// <summary>
/// The UDP sends of one session worker's turn, held and sent together at its end (<see cref="End"/>): a media pass sends
/// a unit to every viewer of the worker, and one <c>sendmmsg</c> then carries up to 128 viewers' messages (each a UDP GSO
/// run) instead of one call per viewer. A destination's datagrams keep their order, and sends to one destination in a
/// row join one group, so its GSO runs can span them. Bounded: when the buffer fills, what it holds goes out first.
/// One per worker, used on its thread only.
/// </summary>
internal sealed class DeferredUdpSends
{
    // Bytes held before they go out: about 64 viewers' P-frames, or four viewers' keyframes at 1 Mbit/s.
    internal const int Capacity = 256 * 1024;

    private const int MaxDatagrams = 1024;
    private const int MaxGroups = 512;

    [ThreadStatic]
    private static DeferredUdpSends? t_current;

    private readonly LinuxUdpBatchSender _sender;
    private readonly byte[] _buffer = new byte[Capacity];
    private readonly int[] _lengths = new int[MaxDatagrams];
    private readonly UdpSendGroup[] _groups = new UdpSendGroup[MaxGroups];
    private int _length;
    private int _count;
    private int _groupCount;

    public DeferredUdpSends(UdpPortDriver port, LinuxUdpBatchSender sender)
    {
        Port = port;
        _sender = sender;
    }

    /// <summary>The port whose sends this holds.</summary>
    public UdpPortDriver Port { get; }

    /// <summary>The sends the calling thread holds now: those of the worker whose turn it runs, or null.</summary>
    public static DeferredUdpSends? Current => t_current;

    /// <summary>Starts holding the calling thread's sends on <see cref="Port"/>.</summary>
    public void Begin() => t_current = this;

    /// <summary>Stops holding and sends what is held.</summary>
    public void End()
    {
        t_current = null;
        Flush();
    }

    /// <summary>
    /// Holds <paramref name="datagrams"/> (back to back, sizes in <paramref name="lengths"/>) for
    /// <paramref name="destination"/>; false when they cannot be held (more than the buffer takes): send them at once.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, SocketAddress address, IPEndPoint destination)
    {
        if (datagrams.Length > Capacity || lengths.Length > MaxDatagrams)
        {
            return false;
        }

        if (_length + datagrams.Length > Capacity || _count + lengths.Length > MaxDatagrams || _groupCount == MaxGroups)
        {
            Flush();
        }

        datagrams.CopyTo(_buffer.AsSpan(_length));
        lengths.CopyTo(_lengths.AsSpan(_count));
        _length += datagrams.Length;
        _count += lengths.Length;
        if (_groupCount > 0 && ReferenceEquals(_groups[_groupCount - 1].Address, address))
        {
            ref var last = ref _groups[_groupCount - 1];
            last = last with { Count = last.Count + lengths.Length };
        }
        else
        {
            _groups[_groupCount++] = new UdpSendGroup(lengths.Length, address, destination);
        }

        return true;
    }

    private void Flush()
    {
        if (_count == 0)
        {
            return;
        }

        try
        {
            _sender.Send(_buffer.AsSpan(0, _length), _lengths.AsSpan(0, _count), _groups.AsSpan(0, _groupCount));
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _groups.AsSpan(0, _groupCount).Clear(); // drops the references to the addresses
            _length = 0;
            _count = 0;
            _groupCount = 0;
        }
    }
}
