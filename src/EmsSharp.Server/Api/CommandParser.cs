using System.Globalization;
using System.Text;
using EmsSharp.Server.Delivery.Ers;

namespace EmsSharp.Server.Api;

/// <summary>
/// The one parser behind every transport (PROTOCOL.md §1.2): <c>command key=value key=value ...</c>.
/// A backslash escapes the next space or backslash (<c>\ </c>, <c>\\</c>); any other backslash is literal.
/// Values may contain <c>=</c> (the first one splits key and value). Never throws on input.
/// </summary>
internal static class CommandParser
{
    /// <summary>Parses a whole line (command name first).</summary>
    public static bool TryParse(string line, out CommandRequest request, out string error)
    {
        request = null!;
        var tokens = Tokenize(line);
        if (tokens.Count == 0)
        {
            error = "Empty command line; try: help";
            return false;
        }

        var name = tokens[0];
        if (name.Contains('=', StringComparison.Ordinal))
        {
            error = $"Malformed command line: the command name comes first (got {Shorten(name)}); try: help";
            return false;
        }

        var arguments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < tokens.Count; i++)
        {
            if (!TryAddPair(tokens[i], arguments, out error))
                return false;
        }

        request = new CommandRequest(name, arguments);
        error = "";
        return true;
    }

    /// <summary>Parses only <c>key=value ...</c> (the decoded <c>params</c> of the HTTP API) into <paramref name="arguments"/>.</summary>
    public static bool TryParseArguments(string text, Dictionary<string, string> arguments, out string error)
    {
        foreach (var token in Tokenize(text))
        {
            if (!TryAddPair(token, arguments, out error))
                return false;
        }

        error = "";
        return true;
    }

    /// <summary>Parses a parameter value of the given kind into its canonical text.</summary>
    public static bool TryNormalize(ParameterKind kind, string raw, out string normalized)
    {
        normalized = raw;
        switch (kind)
        {
            case ParameterKind.String:
                return true;
            case ParameterKind.NonEmptyString:
                return raw.Length > 0;
            case ParameterKind.Boolean:
                if (raw == "1" || raw.Equals("true", StringComparison.OrdinalIgnoreCase))
                {
                    normalized = "true";
                    return true;
                }

                if (raw == "0" || raw.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    normalized = "false";
                    return true;
                }

                return false;
            case ParameterKind.Port:
                if (ParameterRules.TryParsePort(raw, out var port))
                {
                    normalized = port.ToString(CultureInfo.InvariantCulture);
                    return true;
                }

                return false;
            case ParameterKind.Integer:
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    normalized = number.ToString(CultureInfo.InvariantCulture);
                    return true;
                }

                return false;
            case ParameterKind.HostName:
                return ParameterRules.IsHostName(raw);
            case ParameterKind.ErsAddressList:
                return ErsAddress.TryParseList(raw, 1, out _, out _);
            case ParameterKind.Name:
                return ParameterRules.IsName(raw, allowEmpty: false);
            case ParameterKind.OptionalName:
                return ParameterRules.IsName(raw, allowEmpty: true);
            default:
                return false;
        }
    }

    /// <summary>What a valid value of <paramref name="kind"/> looks like, for FAIL descriptions.</summary>
    public static string Expectation(ParameterKind kind) => kind switch
    {
        ParameterKind.String => "text",
        ParameterKind.NonEmptyString => "must not be empty",
        ParameterKind.Boolean => "must be 1, 0, true or false",
        ParameterKind.Port => "must be 1..65535",
        ParameterKind.Integer => "must be a number",
        ParameterKind.HostName => "must be an IP address or a host name, without port, path or spaces",
        ParameterKind.ErsAddressList => ErsAddress.ListExpectation,
        ParameterKind.Name => "must be 1..256 characters, no control characters",
        ParameterKind.OptionalName => "must be at most 256 characters, no control characters",
        _ => "invalid",
    };

    /// <summary>
    /// Why <paramref name="raw"/> is not a valid <paramref name="kind"/>, for FAIL descriptions: what a valid value
    /// looks like, and for an address list which entry is bad.
    /// </summary>
    public static string Explain(ParameterKind kind, string raw) =>
        kind == ParameterKind.ErsAddressList && !ErsAddress.TryParseList(raw, 1, out _, out var problem)
            ? $"{problem}; {Expectation(kind)}"
            : Expectation(kind);

    /// <summary>Appends <paramref name="text"/> with spaces and backslashes escaped.</summary>
    public static void AppendEscaped(StringBuilder sb, string text)
    {
        foreach (var c in text)
        {
            if (c is ' ' or '\\')
                sb.Append('\\');
            sb.Append(c);
        }
    }

    /// <summary>Cuts long client-supplied text before it goes into a reply or a log line.</summary>
    public static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");

    /// <summary>A value as it may appear in a reply or a log line: shortened, control characters shown as <c>?</c>.</summary>
    public static string Printable(string value) =>
        string.Concat(Shorten(value).Select(static c => char.IsControl(c) ? '?' : c));

    private static bool TryAddPair(string token, Dictionary<string, string> arguments, out string error)
    {
        var eq = token.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            error = $"Malformed parameter: {Shorten(token)} (expected key=value)";
            return false;
        }

        arguments[token[..eq]] = token[(eq + 1)..];
        error = "";
        return true;
    }

    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length && line[i + 1] is ' ' or '\\')
            {
                current.Append(line[++i]);
                inToken = true;
            }
            else if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }

        if (inToken)
            tokens.Add(current.ToString());
        return tokens;
    }
}
