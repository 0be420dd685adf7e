namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// One cell of the NAT matrix: where the ems and the viewer sit. The names are distinct substrings so that
/// <c>--filter "DisplayName~EmsBehindCone"</c> runs exactly one cell.
/// </summary>
public enum NatCell
{
    BothPublic,
    ViewerBehindCone,
    EmsBehindCone,
    BothBehindCone,
    BothBehindSymmetric,
    ViewerDropsUdp,
    EmsDropsUdp,
}
