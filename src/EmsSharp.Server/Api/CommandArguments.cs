using System.Globalization;

namespace EmsSharp.Server.Api;

/// <summary>
/// Validated arguments of one command: only declared parameters, values in canonical text
/// (the registry checked them against <see cref="CommandParameter.Kind"/>), defaults applied; and the user variables
/// (keys that start with <c>_</c>, shared/EVOSTREAM-API.md §4), as given.
/// </summary>
internal sealed class CommandArguments(Dictionary<string, string> values, IReadOnlyDictionary<string, string>? userVariables = null)
{
    private static readonly Dictionary<string, string> None = [];

    /// <summary>The keys given that start with <c>_</c> and their values (the commands that keep them store them).</summary>
    public IReadOnlyDictionary<string, string> UserVariables { get; } = userVariables ?? None;

    /// <summary>Whether the parameter has a value (given or defaulted).</summary>
    public bool Has(string name) => values.ContainsKey(name);

    public string? GetString(string name) => values.GetValueOrDefault(name);

    public bool? GetBoolean(string name) => values.TryGetValue(name, out var v) ? v == "true" : null;

    public long? GetInt64(string name) =>
        values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : null;
}
