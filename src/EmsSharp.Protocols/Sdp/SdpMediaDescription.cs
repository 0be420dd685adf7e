using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Sdp;

/// <summary>
/// A media description: the <c>m=</c> line (RFC 8866 §5.14)
/// <c>m=&lt;media&gt; &lt;port&gt; &lt;proto&gt; &lt;fmt&gt; ...</c> and the lines that follow it.
/// </summary>
public sealed class SdpMediaDescription
{
    /// <summary>Creates a media description.</summary>
    public SdpMediaDescription(string media, int port, string protocol, IEnumerable<string> formats)
    {
        Media = media;
        Port = port;
        Protocol = protocol;
        Formats = [.. formats];
    }

    /// <summary><c>audio</c>, <c>video</c>, <c>application</c>...</summary>
    public string Media { get; }

    /// <summary>The port; 0 rejects the section (RFC 3264 §6).</summary>
    public int Port { get; set; }

    /// <summary>E.g. <c>UDP/TLS/RTP/SAVPF</c> or <c>UDP/DTLS/SCTP</c>.</summary>
    public string Protocol { get; }

    /// <summary>Payload types, or <c>webrtc-datachannel</c>.</summary>
    public List<string> Formats { get; }

    /// <summary>The <c>c=</c>, <c>b=</c> and <c>a=</c> lines in order.</summary>
    public List<SdpLine> Lines { get; } = [];

    /// <summary>The <c>a=mid</c> value, if any.</summary>
    public string? Mid => GetAttribute("mid");

    /// <summary>Adds <c>a=name</c> or <c>a=name:value</c>.</summary>
    public void AddAttribute(string name, string? value = null) =>
        Lines.Add(new SdpLine('a', value is null ? name : name + ":" + value));

    /// <summary>The value of the first <c>a=name</c>, empty for a flag, null when absent.</summary>
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

    /// <summary>All values of <c>a=name</c>.</summary>
    public IEnumerable<string> GetAttributes(string name)
    {
        foreach (var l in Lines)
        {
            if (l.Type == 'a' && l.AttributeName == name)
            {
                yield return l.AttributeValue;
            }
        }
    }

    /// <summary>The media direction attribute (RFC 8866 §6.7), <c>sendrecv</c> by default.</summary>
    public string Direction
    {
        get
        {
            foreach (var l in Lines)
            {
                if (l.Type == 'a' && l.Value is "sendrecv" or "sendonly" or "recvonly" or "inactive")
                {
                    return l.Value;
                }
            }

            return "sendrecv";
        }
    }

    internal void Write(StringBuilder sb)
    {
        sb.Append("m=").Append(Media).Append(' ').Append(Port.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Protocol);
        foreach (var f in Formats)
        {
            sb.Append(' ').Append(f);
        }

        sb.Append("\r\n");
        foreach (var l in Lines)
        {
            sb.Append(l.Type).Append('=').Append(l.Value).Append("\r\n");
        }
    }
}
