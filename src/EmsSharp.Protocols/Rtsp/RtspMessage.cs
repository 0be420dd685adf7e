using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// An RTSP/1.0 request or response (RFC 2326 §6, §7; same framing as HTTP/1.1):
/// <code>
/// Request-Line  = Method SP Request-URI SP RTSP-Version CRLF
/// Status-Line   = RTSP-Version SP Status-Code SP Reason-Phrase CRLF
/// *( message-header CRLF )   ; field-name ":" [ field-value ]
/// CRLF
/// [ message-body ]           ; Content-Length octets (RFC 2326 §12.14)
/// </code>
/// </summary>
public sealed class RtspMessage
{
    /// <summary>The only version spoken.</summary>
    public const string Version = "RTSP/1.0";

    private readonly List<KeyValuePair<string, string>> _headers = [];

    private RtspMessage(string? method, string? uri, int statusCode, string? reason)
    {
        Method = method;
        Uri = uri;
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The request method (null for a response).</summary>
    public string? Method { get; }

    /// <summary>The request URI (null for a response).</summary>
    public string? Uri { get; }

    /// <summary>The status code (0 for a request).</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase (null for a request).</summary>
    public string? Reason { get; }

    /// <summary>True for a request.</summary>
    public bool IsRequest => Method is not null;

    /// <summary>Header fields in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The body (Content-Length is written from it).</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The CSeq header as a number, or -1 when absent or malformed (RFC 2326 §12.17).</summary>
    public int CSeq =>
        int.TryParse(GetHeader("CSeq"), NumberStyles.None, CultureInfo.InvariantCulture, out var cseq) ? cseq : -1;

    /// <summary>Creates a request.</summary>
    public static RtspMessage CreateRequest(string method, string uri) => new(method, uri, 0, null);

    /// <summary>Creates a response.</summary>
    public static RtspMessage CreateResponse(int statusCode, string reason) => new(null, null, statusCode, reason);

    /// <summary>Appends a header field (Content-Length is managed from <see cref="Body"/>).</summary>
    public RtspMessage AddHeader(string name, string value)
    {
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>The first value of a header (names compare case-insensitively), or null.</summary>
    public string? GetHeader(string name)
    {
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <summary>Reads one complete message with the default limits; false when incomplete, malformed, or an interleaved frame.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, [NotNullWhen(true)] out RtspMessage? message, out int consumed)
    {
        var status = RtspStreamParser.Read(input, RtspLimits.Default, out var read, out _, out consumed);
        message = read;
        return status == RtspReadStatus.Message;
    }

    /// <summary>Bytes <see cref="TryWrite"/> will write.</summary>
    public int GetSerializedLength() => Encoding.ASCII.GetByteCount(FormatHead()) + Body.Length;

    /// <summary>Writes the message; false when <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        var head = FormatHead();
        written = 0;
        if (destination.Length < Encoding.ASCII.GetByteCount(head) + Body.Length)
        {
            return false;
        }

        written = Encoding.ASCII.GetBytes(head, destination);
        Body.Span.CopyTo(destination[written..]);
        written += Body.Length;
        return true;
    }

    /// <summary>The serialized message in a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[GetSerializedLength()];
        TryWrite(bytes, out _);
        return bytes;
    }

    internal void AddParsedHeader(string name, string value) => _headers.Add(new(name, value));

    internal static RtspMessage CreateParsed(string? method, string? uri, int statusCode, string? reason) =>
        new(method, uri, statusCode, reason);

    private string FormatHead()
    {
        var builder = new StringBuilder(256);
        if (IsRequest)
        {
            builder.Append(Method).Append(' ').Append(Uri).Append(' ').Append(Version).Append("\r\n");
        }
        else
        {
            builder.Append(Version).Append(' ').Append(StatusCode.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(Reason).Append("\r\n");
        }

        foreach (var header in _headers)
        {
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                builder.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
            }
        }

        if (!Body.IsEmpty)
        {
            builder.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        return builder.Append("\r\n").ToString();
    }
}
