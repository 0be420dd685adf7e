using System.Text;

namespace EmsSharp.Server.Api;

/// <summary>A parsed command line: the command name and its arguments (keys case-insensitive).</summary>
internal sealed class CommandRequest(string name, Dictionary<string, string> arguments)
{
    public string Name { get; } = name;

    /// <summary>Raw argument values by key (<see cref="StringComparer.OrdinalIgnoreCase"/>).</summary>
    public IReadOnlyDictionary<string, string> Arguments => arguments;

    /// <summary>Formats back to the line syntax, escaping spaces (<c>\ </c>) and backslashes (<c>\\</c>).</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        CommandParser.AppendEscaped(sb, Name);
        foreach (var (key, value) in arguments)
        {
            sb.Append(' ');
            CommandParser.AppendEscaped(sb, key);
            sb.Append('=');
            CommandParser.AppendEscaped(sb, value);
        }

        return sb.ToString();
    }
}
