namespace EmsSharp.Protocols.Sdp;

/// <summary>One <c>&lt;type&gt;=&lt;value&gt;</c> line of an SDP description (RFC 8866 §5).</summary>
public readonly record struct SdpLine(char Type, string Value)
{
    /// <summary>For an <c>a=</c> line, the attribute name (before the first colon).</summary>
    public string AttributeName
    {
        get
        {
            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? Value : Value[..colon];
        }
    }

    /// <summary>For an <c>a=</c> line, the attribute value (after the first colon), or empty for a flag.</summary>
    public string AttributeValue
    {
        get
        {
            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? string.Empty : Value[(colon + 1)..];
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Type + "=" + Value;
}
