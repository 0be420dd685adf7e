namespace EmsSharp.Server.Delivery;

/// <summary>Thread-safe traffic counters of one viewer (WebRTC or WS-FMP4): written by its sender, read by the API.</summary>
internal sealed class ViewerTrafficCounters
{
    private long _packets;
    private long _bytes;
    private long _retransmissions;
    private long _keyframeRequests;
    private long _droppedFrames;
    private long _audioPackets;
    private long _audioBytes;

    public long Packets => Volatile.Read(ref _packets);

    public long Bytes => Volatile.Read(ref _bytes);

    public long Retransmissions => Volatile.Read(ref _retransmissions);

    public long KeyframeRequests => Volatile.Read(ref _keyframeRequests);

    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    /// <summary>The audio packets among <see cref="Packets"/>, for a sender that sends each track in its own packets (srtp).</summary>
    public long AudioPackets => Volatile.Read(ref _audioPackets);

    /// <summary>The audio bytes among <see cref="Bytes"/> (see <see cref="AudioPackets"/>).</summary>
    public long AudioBytes => Volatile.Read(ref _audioBytes);

    public void AddPacket(int length) => AddPackets(1, length);

    public void AddPackets(int count, int length)
    {
        Interlocked.Add(ref _packets, count);
        Interlocked.Add(ref _bytes, length);
    }

    public void AddAudioPacket(int length)
    {
        Interlocked.Increment(ref _audioPackets);
        Interlocked.Add(ref _audioBytes, length);
        AddPacket(length);
    }

    public void AddRetransmission() => Interlocked.Increment(ref _retransmissions);

    public void AddKeyframeRequest() => Interlocked.Increment(ref _keyframeRequests);

    public void SetDroppedFrames(long count) => Volatile.Write(ref _droppedFrames, count);
}
