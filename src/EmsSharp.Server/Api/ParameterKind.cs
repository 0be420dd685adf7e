namespace EmsSharp.Server.Api;

/// <summary>Value type of a command parameter (PROTOCOL.md §1.2).</summary>
internal enum ParameterKind
{
    String,
    NonEmptyString,
    Boolean,
    Port,
    Integer,
}
