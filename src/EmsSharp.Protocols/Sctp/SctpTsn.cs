namespace EmsSharp.Protocols.Sctp;

/// <summary>Serial number arithmetic for TSNs (32-bit) and SSNs (16-bit), RFC 9260 §1.6 / RFC 1982.</summary>
internal static class SctpTsn
{
    public static bool Lt(uint a, uint b) => (int)(a - b) < 0;

    public static bool Le(uint a, uint b) => (int)(a - b) <= 0;

    public static bool SsnLt(ushort a, ushort b) => (short)(ushort)(a - b) < 0;

    public static bool SsnLe(ushort a, ushort b) => (short)(ushort)(a - b) <= 0;
}
