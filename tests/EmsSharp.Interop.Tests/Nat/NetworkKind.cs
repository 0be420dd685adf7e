namespace EmsSharp.Interop.Tests.Nat;

/// <summary>How one side (the ems or the viewer) of a <see cref="NetNsTopology"/> reaches its internet.</summary>
public enum NetworkKind
{
    /// <summary>A host with a public address on the internet bridge.</summary>
    Public,

    /// <summary>A host on a private LAN behind a router that masquerades (port-preserving, endpoint-independent mapping).</summary>
    ConeNat,

    /// <summary>Behind a router that masquerades with <c>--random-fully</c> (a new public port per destination).</summary>
    SymmetricNat,

    /// <summary>Behind a masquerading router that forwards no UDP at all; TCP still passes.</summary>
    DropsUdp,
}
