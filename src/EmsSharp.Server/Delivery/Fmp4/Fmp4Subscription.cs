using System.Diagnostics.CodeAnalysis;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// One viewer of a shared <see cref="Fmp4StreamSource"/>, transport-neutral (WebSocket, WebRTC data channel): a cursor
/// into its ring of fragments. Delivers the stream's HEADER_MOOV init packet as soon as there is one, then the GOP cache
/// (a keyframe fragment first) and live fragments, each preceded by its own init packet when that differs from the last
/// one sent (after a track change). A viewer that lags past its bound (fragments or bytes), or whose consumer reports a
/// backed-up transport (<see cref="SkipToNextKeyframe"/>), skips to a keyframe fragment and counts what it dropped.
/// </summary>
internal sealed class Fmp4Subscription : SharedStreamSubscription<Fmp4Packet>
{
    private readonly Fmp4StreamSource _source;
    private Fmp4Packet? _sentInit;
    private Fmp4Packet? _afterInit;
    private long _delivered;

    internal Fmp4Subscription(Fmp4StreamSource source, StreamRingReader<Fmp4Packet> reader)
        : base(source, reader) => _source = source;

    /// <summary>Fragments this viewer lost: skipped because it fell behind, or passed while it waited for a keyframe.</summary>
    public long DroppedFragments => Reader.DroppedUnits;

    /// <summary>Packets (init packets included) handed to the consumer so far.</summary>
    public long DeliveredPackets => Volatile.Read(ref _delivered);

    /// <inheritdoc />
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        Pending is not null ? new ValueTask<bool>(true) : base.WaitToReadAsync(cancellationToken);

    // What goes out ahead of the ring: the source's init packet while none was sent, or a fragment held behind its init.
    private Fmp4Packet? Pending => Reader.IsDisposed ? null : _sentInit is null ? _source.Init : _afterInit;

    /// <summary>
    /// Takes the next packet's bytes (one §4.2 unit: the init packet or a whole fragment), if any. The memory
    /// is immutable and shared with other viewers: send it, never write it.
    /// </summary>
    public bool TryRead(out ReadOnlyMemory<byte> packetBytes)
    {
        var read = TryReadPacket(out var packet);
        packetBytes = read ? packet!.Bytes : default;
        return read;
    }

    /// <summary>Takes the next packet itself (its bytes and when its frames arrived), if any; see <see cref="TryRead"/>.</summary>
    public bool TryReadPacket([NotNullWhen(true)] out Fmp4Packet? packet)
    {
        if (Pending is { } pending)
        {
            packet = pending;
            if (ReferenceEquals(pending, _afterInit))
            {
                _afterInit = null;
            }
            else
            {
                _sentInit = pending;
            }
        }
        else if (!Reader.TryRead(out packet))
        {
            return false;
        }
        else if (packet.Init is { } init && !ReferenceEquals(init, _sentInit))
        {
            _sentInit = init;
            _afterInit = packet;
            packet = init;
        }

        Volatile.Write(ref _delivered, _delivered + 1);
        return true;
    }

    /// <summary>
    /// Back-pressure hook: the consumer's transport has too much buffered (say a WebSocket's or data channel's
    /// buffered amount is above its threshold). Drops what is published and resumes at the next keyframe fragment.
    /// </summary>
    public void SkipToNextKeyframe() => Reader.SkipToNextKeyframe();
}
