using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Sdp;

/// <summary>An SDP description (RFC 8866): session-level lines, then media descriptions.</summary>
public sealed class SdpSessionDescription
{
    /// <summary>Largest SDP text accepted.</summary>
    public const int MaxLength = 64 * 1024;

    private const int MaxLines = 2000;
    private const int MaxMedia = 32;
    private const int MaxLineLength = 4096;

    /// <summary>Session-level lines in order, starting with <c>v=0</c>.</summary>
    public List<SdpLine> Lines { get; } = [];

    /// <summary>Media descriptions in order.</summary>
    public List<SdpMediaDescription> Media { get; } = [];

    /// <summary>Parses SDP text (CRLF or LF line ends). Returns false for malformed input; never throws.</summary>
    public static bool TryParse(string? text, out SdpSessionDescription? description)
    {
        description = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        var result = new SdpSessionDescription();
        SdpMediaDescription? current = null;
        var lines = text.Split('\n');
        if (lines.Length > MaxLines)
        {
            return false;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                // Only trailing empty lines are tolerated.
                if (i >= lines.Length - 2 && AllEmpty(lines, i))
                {
                    break;
                }

                return false;
            }

            // RFC 8866 §5: <type>=<value>, type is one lower-case letter.
            if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z' || line.Length > MaxLineLength)
            {
                return false;
            }

            var type = line[0];
            var value = line[2..];
            if (result.Lines.Count == 0 && (type != 'v' || value != "0"))
            {
                return false;
            }

            if (type == 'm')
            {
                if (result.Media.Count >= MaxMedia || !TryParseMediaLine(value, out current))
                {
                    return false;
                }

                result.Media.Add(current!);
            }
            else if (current is null)
            {
                result.Lines.Add(new SdpLine(type, value));
            }
            else
            {
                current.Lines.Add(new SdpLine(type, value));
            }
        }

        if (result.Lines.Count == 0)
        {
            return false;
        }

        description = result;
        return true;
    }

    /// <summary>The value of the first session-level <c>a=name</c>, null when absent.</summary>
    public string? GetAttribute(string name)
    {
        foreach (var l in Lines)
        {
            if (l.Type == 'a' && l.AttributeName == name)
            {
                return l.AttributeValue;
            }
        }

        return null;
    }

    /// <summary>
    /// An attribute looked up in a media section first, then at session level (RFC 8866 §5: media-level
    /// values override session-level ones).
    /// </summary>
    public string? GetAttribute(SdpMediaDescription media, string name) => media.GetAttribute(name) ?? GetAttribute(name);

    /// <summary>The SDP text with CRLF line ends.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var l in Lines)
        {
            sb.Append(l.Type).Append('=').Append(l.Value).Append("\r\n");
        }

        foreach (var m in Media)
        {
            m.Write(sb);
        }

        return sb.ToString();
    }

    private static bool AllEmpty(string[] lines, int from)
    {
        for (var j = from; j < lines.Length; j++)
        {
            if (lines[j].TrimEnd('\r').Length != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseMediaLine(string value, out SdpMediaDescription? media)
    {
        media = null;
        // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            return false;
        }

        var portText = parts[1];
        var slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            portText = portText[..slash];
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        media = new SdpMediaDescription(parts[0], port, parts[2], parts[3..]);
        return true;
    }
}
