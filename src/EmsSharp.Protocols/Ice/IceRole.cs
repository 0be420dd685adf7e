namespace EmsSharp.Protocols.Ice;

/// <summary>ICE agent role (RFC 8445 §6.1.1).</summary>
public enum IceRole
{
    /// <summary>Nominates the pair; the offerer in this server.</summary>
    Controlling,

    /// <summary>Follows the controlling agent's nomination.</summary>
    Controlled,
}
