using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Ingest;

/// <summary>One RTMP message stream publishing into the hub: the live stream, its tag publisher, and the
/// 32-bit millisecond timestamp unwrapping (RTMP 1.0 §5.3.1.2: timestamps wrap after 2^32 ms).</summary>
internal sealed class RtmpPublication(LiveStream stream)
{
    private long _epoch;
    private uint _last;
    private bool _started;

    public LiveStream Stream { get; } = stream;

    public FlvTagPublisher Publisher { get; } = new(stream);

    public long Unwrap(uint timestamp)
    {
        if (_started && timestamp < _last && _last - timestamp > 0x8000_0000u)
        {
            _epoch += 1L << 32;
        }

        _started = true;
        _last = timestamp;
        return _epoch + timestamp;
    }
}
