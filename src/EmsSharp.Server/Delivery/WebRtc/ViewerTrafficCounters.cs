namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>Thread-safe traffic counters of one viewer: written by its sender, read by the API.</summary>
internal sealed class ViewerTrafficCounters
{
    private long _packets;
    private long _bytes;
    private long _retransmissions;
    private long _keyframeRequests;
    private long _droppedFrames;

    public long Packets => Volatile.Read(ref _packets);

    public long Bytes => Volatile.Read(ref _bytes);

    public long Retransmissions => Volatile.Read(ref _retransmissions);

    public long KeyframeRequests => Volatile.Read(ref _keyframeRequests);

    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    public void AddPacket(int length) => AddPackets(1, length);

    public void AddPackets(int count, int length)
    {
        Interlocked.Add(ref _packets, count);
        Interlocked.Add(ref _bytes, length);
    }

    public void AddRetransmission() => Interlocked.Increment(ref _retransmissions);

    public void AddKeyframeRequest() => Interlocked.Increment(ref _keyframeRequests);

    public void SetDroppedFrames(long count) => Volatile.Write(ref _droppedFrames, count);
}
