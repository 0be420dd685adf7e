using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// Splits the byte stream of an RTSP connection into messages and interleaved frames (RFC 2326 §10.12:
/// a <c>$</c> starts a binary frame, anything else a message). Sans-IO: the caller owns the buffer, calls
/// again after reading more, and discards <c>consumed</c> bytes. Every size is checked against
/// <see cref="RtspLimits"/> before the caller has to buffer it.
/// </summary>
public static class RtspStreamParser
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>
    /// Reads the next unit. For <see cref="RtspReadStatus.InterleavedFrame"/> the payload is
    /// <c>input.Slice(RtspInterleavedFrame.HeaderLength, frame.Length)</c>.
    /// </summary>
    public static RtspReadStatus Read(
        ReadOnlySpan<byte> input, RtspLimits limits, out RtspMessage? message, out RtspInterleavedFrame frame, out int consumed)
    {
        message = null;
        frame = default;
        consumed = 0;
        if (input.IsEmpty)
        {
            return RtspReadStatus.NeedMore;
        }

        if (input[0] == RtspInterleavedFrame.Magic)
        {
            // The length is a u16, so any frame fits the reader's buffer (RtspLimits.MaxUnitBytes).
            return RtspInterleavedFrame.TryRead(input, out frame, out consumed)
                ? RtspReadStatus.InterleavedFrame
                : RtspReadStatus.NeedMore;
        }

        var window = input[..Math.Min(input.Length, limits.MaxHeaderBytes)];
        int end = window.IndexOf(HeaderEnd);
        if (end < 0)
        {
            // A message must start with a letter (method or "RTSP/"); reject binary garbage early.
            return window.Length >= limits.MaxHeaderBytes || !IsLetter(input[0])
                ? RtspReadStatus.Invalid
                : RtspReadStatus.NeedMore;
        }

        var head = window[..end];
        foreach (var b in head)
        {
            if (b is (< 0x20 and not (byte)'\r' and not (byte)'\n' and not (byte)'\t') or >= 0x7F)
            {
                return RtspReadStatus.Invalid; // RFC 2326 §15: headers are US-ASCII text
            }
        }

        if (!TryParseHead(Encoding.ASCII.GetString(head), limits, out var parsed, out var contentLength))
        {
            return RtspReadStatus.Invalid;
        }

        int total = end + HeaderEnd.Length + contentLength;
        if (input.Length < total)
        {
            return RtspReadStatus.NeedMore;
        }

        if (contentLength > 0)
        {
            parsed.Body = input.Slice(end + HeaderEnd.Length, contentLength).ToArray();
        }

        message = parsed;
        consumed = total;
        return RtspReadStatus.Message;
    }

    private static bool TryParseHead(string head, RtspLimits limits, out RtspMessage message, out int contentLength)
    {
        message = null!;
        contentLength = 0;
        var lines = head.Split("\r\n");
        if (lines.Length - 1 > limits.MaxHeaderCount || !TryParseStartLine(lines[0], out message))
        {
            return false;
        }

        bool seenLength = false;
        for (int i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)) || line.Contains('\n', StringComparison.Ordinal) ||
                line.Contains('\r', StringComparison.Ordinal))
            {
                return false; // also refuses obsolete line folding (a line starting with SP/HT)
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 2326 §12.14; a second or a non-decimal length is a smuggling risk, not a message.
                if (seenLength || value.Length is 0 or > 9 ||
                    !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength) ||
                    contentLength > limits.MaxBodyBytes)
                {
                    return false;
                }

                seenLength = true;
                continue;
            }

            message.AddParsedHeader(name, value);
        }

        return true;
    }

    private static bool TryParseStartLine(string line, out RtspMessage message)
    {
        message = null!;
        var parts = line.Split(' ', 3);
        if (parts.Length != 3)
        {
            return false;
        }

        if (parts[0] == RtspMessage.Version)
        {
            // Status-Line (RFC 2326 §7.1): 3-digit code.
            if (parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ||
                code < 100)
            {
                return false;
            }

            message = RtspMessage.CreateParsed(null, null, code, parts[2]);
            return true;
        }

        // Request-Line (RFC 2326 §6.1).
        if (parts[2] != RtspMessage.Version || !IsToken(parts[0]) || parts[1].Length == 0 || parts[1].Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        message = RtspMessage.CreateParsed(parts[0], parts[1], 0, null);
        return true;
    }

    private static bool IsLetter(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z');

    // RFC 2616 §2.2 token: visible ASCII except separators.
    private static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
