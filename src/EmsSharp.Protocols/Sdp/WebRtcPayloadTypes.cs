namespace EmsSharp.Protocols.Sdp;

/// <summary>Payload types and header-extension ids the server offers.</summary>
public static class WebRtcPayloadTypes
{
    /// <summary>H.264, packetization-mode=1, profile-level-id=42e01f.</summary>
    public const int H264 = 96;

    /// <summary>Opus 48000/2.</summary>
    public const int Opus = 111;

    /// <summary>PCMU (static, RFC 3551).</summary>
    public const int Pcmu = 0;

    /// <summary>PCMA (static, RFC 3551).</summary>
    public const int Pcma = 8;

    /// <summary><c>a=extmap</c> id of <c>urn:ietf:params:rtp-hdrext:sdes:mid</c>.</summary>
    public const int MidExtensionId = 1;

    /// <summary><c>a=extmap</c> id of abs-send-time.</summary>
    public const int AbsSendTimeExtensionId = 2;

    /// <summary><c>a=extmap</c> id of transport-wide-cc.</summary>
    public const int TransportWideCcExtensionId = 3;

    /// <summary>URI of the MID header extension (RFC 8843 §15.1).</summary>
    public const string MidExtensionUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

    /// <summary>URI of abs-send-time.</summary>
    public const string AbsSendTimeUri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    /// <summary>URI of transport-wide congestion control.</summary>
    public const string TransportWideCcUri =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
}
