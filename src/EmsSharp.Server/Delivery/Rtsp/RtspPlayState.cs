namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>The server states of an RTSP play session (RFC 2326 §A.1), with DESCRIBE's answer before Ready.</summary>
internal enum RtspPlayState
{
    /// <summary>Nothing described yet.</summary>
    Init,

    /// <summary>DESCRIBE answered: the tracks are known, none set up.</summary>
    Described,

    /// <summary>At least one track set up (a session exists); PLAY may start it.</summary>
    Ready,

    /// <summary>Media flows.</summary>
    Playing,
}
