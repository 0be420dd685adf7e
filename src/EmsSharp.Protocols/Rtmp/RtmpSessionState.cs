namespace EmsSharp.Protocols.Rtmp;

/// <summary>The state of an <see cref="RtmpServerSession"/>.</summary>
public enum RtmpSessionState
{
    /// <summary>Waiting for C0 and C1 (RTMP 1.0 §5.2.5 "Uninitialized").</summary>
    AwaitingC0C1,

    /// <summary>S0, S1, S2 sent; waiting for C2 ("Version Sent"/"Ack Sent").</summary>
    AwaitingC2,

    /// <summary>Handshake done; chunks flow.</summary>
    Open,

    /// <summary>A protocol error ended the session.</summary>
    Failed,
}
