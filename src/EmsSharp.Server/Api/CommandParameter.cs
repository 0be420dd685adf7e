namespace EmsSharp.Server.Api;

/// <summary>
/// A parameter a command declares: the registry validates against it and <c>help</c> prints it.
/// <paramref name="Default"/> is the canonical text of the default value (null: no default).
/// </summary>
internal sealed record CommandParameter(string Name, ParameterKind Kind, bool Mandatory, string? Default, string Description)
{
    /// <summary>The spelling used in FAIL descriptions (keys are case-insensitive; messages use lower case).</summary>
    public string DisplayName => Name.ToLowerInvariant();
}
