namespace EmsSharp.Server.Api;

/// <summary>Value type of a command parameter (PROTOCOL.md §1.2).</summary>
internal enum ParameterKind
{
    String,
    NonEmptyString,
    Boolean,
    Port,
    Integer,

    /// <summary>An IP address or a host name, nothing more (<see cref="ParameterRules.IsHostName"/>).</summary>
    HostName,

    /// <summary>One ERS address or a comma-separated list of up to 8 (<see cref="Delivery.Ers.ErsAddress.TryParseList"/>).</summary>
    ErsAddressList,

    /// <summary>A non-empty room name (<see cref="ParameterRules.IsName"/>).</summary>
    Name,

    /// <summary>A token, possibly empty (<see cref="ParameterRules.IsName"/>).</summary>
    OptionalName,
}
