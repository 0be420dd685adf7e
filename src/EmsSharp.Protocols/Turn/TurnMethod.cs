namespace EmsSharp.Protocols.Turn;

/// <summary>TURN method codes (RFC 8656 §18.1).</summary>
internal static class TurnMethod
{
    public const ushort Allocate = 0x003;
    public const ushort Refresh = 0x004;
    public const ushort Send = 0x006;
    public const ushort Data = 0x007;
    public const ushort CreatePermission = 0x008;
    public const ushort ChannelBind = 0x009;
}
