namespace EmsSharp.Protocols.Rtmp;

/// <summary>Why a play request is refused (the <c>onStatus</c> code of <see cref="RtmpServerSession.RejectPlay"/>).</summary>
public enum RtmpPlayRefusal
{
    /// <summary><c>NetStream.Play.StreamNotFound</c>: no such stream is live (in time).</summary>
    StreamNotFound,

    /// <summary><c>NetStream.Play.Failed</c>: anything else (a wrong read key, a bad name, a play already running).</summary>
    Failed,
}
