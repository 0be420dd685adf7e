namespace EmsSharp.Protocols.Rtp;

/// <summary>Outcome of feeding one RTP payload to <see cref="H264Depacketizer"/>.</summary>
public enum H264DepacketizerResult
{
    /// <summary>The payload was taken; the access unit is not complete yet.</summary>
    NeedMore,

    /// <summary>An access unit is complete: read <see cref="H264Depacketizer.AccessUnit"/> before the next call.</summary>
    AccessUnitReady,

    /// <summary>An access unit was discarded because packets were lost or it grew too large; request a keyframe.</summary>
    AccessUnitDropped,

    /// <summary>The payload itself was malformed (unknown type, bad STAP-A sizes) and was ignored.</summary>
    Malformed,
}
