using System.Text;

namespace EmsSharp.Protocols.SocketIo;

/// <summary>
/// One Socket.IO protocol revision 1 frame (socket.io-spec README, "Encoding"):
/// <code>
/// [message type] ':' [message id ('+')] ':' [message endpoint] (':' [message data])
/// </code>
/// Over the websocket transport one text message carries exactly one frame.
/// </summary>
/// <param name="Type">The message type.</param>
/// <param name="Id">The message id, or null when absent.</param>
/// <param name="AckWithData">True when the id is followed by <c>+</c>: the sender wants an ack carrying data.</param>
/// <param name="Endpoint">The endpoint (namespace); empty for the default one.</param>
/// <param name="Data">The data after the third colon, or null when the frame has none.</param>
public readonly record struct SocketIoFrame(SocketIoFrameType Type, long? Id, bool AckWithData, string Endpoint, string? Data)
{
    /// <summary>Default largest frame accepted, in UTF-8 bytes (ours).</summary>
    public const int DefaultMaxFrameLength = 64 * 1024;

    /// <summary>Largest endpoint accepted, in bytes (ours).</summary>
    public const int MaxEndpointLength = 256;

    /// <summary>Most digits accepted in a message id (fits a <see cref="long"/>).</summary>
    public const int MaxIdDigits = 15;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The server's <c>1::</c> sent once the transport is open.</summary>
    public static SocketIoFrame Connect => new(SocketIoFrameType.Connect, null, false, string.Empty, null);

    /// <summary>A <c>2::</c> heartbeat.</summary>
    public static SocketIoFrame Heartbeat => new(SocketIoFrameType.Heartbeat, null, false, string.Empty, null);

    /// <summary>A <c>0::</c> disconnect.</summary>
    public static SocketIoFrame Disconnect => new(SocketIoFrameType.Disconnect, null, false, string.Empty, null);

    /// <summary>Parses one frame occupying the whole of <paramref name="source"/> (one websocket message).</summary>
    /// <returns>False for any malformed or oversized input; never throws.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out SocketIoFrame frame, out int consumed) =>
        TryRead(source, DefaultMaxFrameLength, out frame, out consumed);

    /// <summary>Parses one frame with an explicit size limit.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int maxLength, out SocketIoFrame frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        if (source.Length < 3 || source.Length > maxLength)
        {
            return false;
        }

        // type: one digit 0..8, then ':'
        int type = source[0] - '0';
        if (type is < 0 or > 8 || source[1] != ':')
        {
            return false;
        }

        // id: digits, optionally followed by '+', then ':'
        int pos = 2;
        long id = 0;
        int digits = 0;
        while (pos < source.Length && source[pos] is >= (byte)'0' and <= (byte)'9')
        {
            if (++digits > MaxIdDigits)
            {
                return false;
            }

            id = (id * 10) + (source[pos] - '0');
            pos++;
        }

        bool plus = false;
        if (pos < source.Length && source[pos] == '+')
        {
            if (digits == 0)
            {
                return false;
            }

            plus = true;
            pos++;
        }

        if (pos >= source.Length || source[pos] != ':')
        {
            return false;
        }

        pos++;

        // endpoint: up to the next ':' or the end
        int endpointEnd = source[pos..].IndexOf((byte)':');
        int endpointLength = endpointEnd < 0 ? source.Length - pos : endpointEnd;
        if (endpointLength > MaxEndpointLength)
        {
            return false;
        }

        string endpoint;
        string? data = null;
        try
        {
            endpoint = endpointLength == 0 ? string.Empty : StrictUtf8.GetString(source.Slice(pos, endpointLength));
            if (endpointEnd >= 0)
            {
                data = StrictUtf8.GetString(source[(pos + endpointLength + 1)..]);
            }
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        frame = new SocketIoFrame((SocketIoFrameType)type, digits == 0 ? null : id, plus, endpoint, data);
        consumed = source.Length;
        return true;
    }

    /// <summary>Parses a frame from a string (convenience over <see cref="TryRead(ReadOnlySpan{byte}, int, out SocketIoFrame, out int)"/>).</summary>
    public static bool TryParse(string text, int maxLength, out SocketIoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > maxLength)
        {
            frame = default;
            return false;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return TryRead(bytes, maxLength, out frame, out _);
    }

    /// <summary>The number of UTF-8 bytes <see cref="TryWrite"/> produces.</summary>
    public int GetSerializedLength()
    {
        int length = 1 + 1 + (Id is { } id ? CountDigits(id) : 0) + (AckWithData ? 1 : 0) + 1
            + Encoding.UTF8.GetByteCount(Endpoint ?? string.Empty);
        if (Data is not null)
        {
            length += 1 + Encoding.UTF8.GetByteCount(Data);
        }

        return length;
    }

    /// <summary>Writes the frame as UTF-8.</summary>
    /// <returns>False when <paramref name="destination"/> is too small or the frame is not representable.</returns>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if ((uint)Type > 8 || (Id is { } v && v < 0) || (AckWithData && Id is null))
        {
            return false;
        }

        string endpoint = Endpoint ?? string.Empty;
        if (endpoint.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        int length = GetSerializedLength();
        if (destination.Length < length)
        {
            return false;
        }

        int pos = 0;
        destination[pos++] = (byte)('0' + (int)Type);
        destination[pos++] = (byte)':';
        if (Id is { } id)
        {
            id.TryFormat(destination[pos..], out int n);
            pos += n;
        }

        if (AckWithData)
        {
            destination[pos++] = (byte)'+';
        }

        destination[pos++] = (byte)':';
        pos += Encoding.UTF8.GetBytes(endpoint, destination[pos..]);
        if (Data is not null)
        {
            destination[pos++] = (byte)':';
            pos += Encoding.UTF8.GetBytes(Data, destination[pos..]);
        }

        written = pos;
        return true;
    }

    /// <summary>The frame as text, ready for a websocket text message.</summary>
    public override string ToString()
    {
        byte[] buffer = new byte[GetSerializedLength()];
        return TryWrite(buffer, out int written) ? Encoding.UTF8.GetString(buffer, 0, written) : string.Empty;
    }

    private static int CountDigits(long value)
    {
        int n = 1;
        while (value >= 10)
        {
            value /= 10;
            n++;
        }

        return n;
    }
}
