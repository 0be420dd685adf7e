using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Server.Api;

/// <summary>
/// The value rules behind <see cref="ParameterKind.HostName"/> and <see cref="ParameterKind.Name"/>, shared by the
/// command registry (a bad value is a FAIL naming the parameter) and the start-up replay of saved configurations
/// (a saved value that breaks them is not run). docs/OPERATIONS.md states them for operators.
/// </summary>
internal static class ParameterRules
{
    /// <summary>Longest room name or token (the ERS's default <c>MaxNameLength</c>).</summary>
    public const int MaxNameLength = 256;

    private const int MaxHostNameLength = 253;
    private const int MaxLabelLength = 63;

    /// <summary>
    /// An IPv4 address in dotted-quad form, a bare IPv6 address (no brackets, no zone, no port), or a DNS host name
    /// of RFC 1123 §2.1 labels (letters, digits, inner hyphens; 1..63 each, 253 in all, no trailing dot) whose last
    /// label is not all digits. Octets of an IPv4 address have no leading zeros (some resolvers read them as octal). Never a port, a path, a user part or a space.
    /// </summary>
    public static bool IsHostName(string value)
    {
        if (value.Length is 0 or > MaxHostNameLength)
            return false;
        if (value.Contains(':', StringComparison.Ordinal))
            return IsIPv6(value);

        var labels = value.Split('.');
        foreach (var label in labels)
        {
            if (!IsLabel(label))
                return false;
        }

        // RFC 1123 §2.1: a host name never looks like a number; numeric names must be dotted-quad IPv4 addresses.
        return !labels[^1].All(char.IsAsciiDigit) || IsDottedQuad(labels);
    }

    /// <summary>
    /// A room name or token: at most <see cref="MaxNameLength"/> characters, none of them a control character
    /// (they would reach log lines and the ERS); empty only where <paramref name="allowEmpty"/>.
    /// </summary>
    public static bool IsName(string value, bool allowEmpty) =>
        (allowEmpty || value.Length > 0) && value.Length <= MaxNameLength && !value.Any(char.IsControl);

    /// <summary>A port 1..65535 in plain decimal digits (no sign, no spaces).</summary>
    public static bool TryParsePort(string value, out int port) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static bool IsIPv6(string value) =>
        !value.Contains('[', StringComparison.Ordinal) && !value.Contains('%', StringComparison.Ordinal)
        && IPAddress.TryParse(value, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength
        && label[0] != '-' && label[^1] != '-'
        && label.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool IsDottedQuad(string[] labels) =>
        labels.Length == 4
        && labels.All(static l => l.Length <= 3 && (l.Length == 1 || l[0] != '0') && l.All(char.IsAsciiDigit)
            && int.Parse(l, CultureInfo.InvariantCulture) <= 255);
}
