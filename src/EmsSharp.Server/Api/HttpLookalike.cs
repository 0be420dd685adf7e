using System.Buffers;
using System.Text;

namespace EmsSharp.Server.Api;

/// <summary>
/// Recognises HTTP on a CLI port: a browser page can POST to any port, and its request line, headers and body
/// would otherwise arrive as command lines. A CLI command never looks like either form below.
/// </summary>
internal static class HttpLookalike
{
    private const int MaxMethodLength = 16;

    /// <summary>
    /// True for a request line (RFC 9112 §3: an upper-case method, a space, then a target starting with <c>/</c> or
    /// <c>*</c> or <c>http</c>, or a line ending in an <c>HTTP/</c> version) or a <c>Host:</c> header line (§3.2).
    /// </summary>
    public static bool IsHttpLine(ReadOnlySequence<byte> line)
    {
        Span<byte> head = stackalloc byte[64];
        var length = (int)Math.Min(line.Length, head.Length);
        line.Slice(0, length).CopyTo(head);
        head = head[..length];
        if (head.Length >= 5 && Ascii.EqualsIgnoreCase(head[..5], "host:"u8))
            return true;

        var space = head.IndexOf((byte)' ');
        if (space is > 0 and <= MaxMethodLength && IsMethod(head[..space]))
        {
            var target = head[(space + 1)..];
            if (target.StartsWith("/"u8) || target.StartsWith("*"u8) || target.StartsWith("http"u8))
                return true;
        }

        return EndsWithVersion(line);
    }

    private static bool IsMethod(ReadOnlySpan<byte> token)
    {
        foreach (var b in token)
        {
            if (b is < (byte)'A' or > (byte)'Z')
                return false;
        }

        return true;
    }

    private static bool EndsWithVersion(ReadOnlySequence<byte> line)
    {
        // " HTTP/1.1" or " HTTP/2": the last 9 bytes are enough.
        Span<byte> tail = stackalloc byte[9];
        var length = (int)Math.Min(line.Length, tail.Length);
        line.Slice(line.Length - length).CopyTo(tail);
        tail = tail[..length];
        var at = tail.LastIndexOf(" HTTP/"u8);
        return at >= 0 && tail.Length - at - 6 is 1 or 3 && char.IsAsciiDigit((char)tail[at + 6]);
    }
}
