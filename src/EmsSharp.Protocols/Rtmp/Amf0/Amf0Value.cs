using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Protocols.Rtmp.Amf0;

/// <summary>
/// One AMF0 value (AMF0 specification, Adobe 2006). Control-plane data (RTMP commands, metadata), so a
/// plain tree is fine; every decode is bounded by <see cref="Amf0Limits"/>.
/// </summary>
public readonly struct Amf0Value
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Amf0Value(
        Amf0Type type,
        double number = 0,
        string? text = null,
        IReadOnlyList<KeyValuePair<string, Amf0Value>>? properties = null,
        IReadOnlyList<Amf0Value>? items = null)
    {
        Type = type;
        Number = number;
        Text = text;
        Properties = properties;
        Items = items;
    }

    /// <summary>The value's type.</summary>
    public Amf0Type Type { get; }

    /// <summary>Number, Date (ms since epoch) and Boolean (1 or 0) payload.</summary>
    public double Number { get; }

    /// <summary>String and LongString payload.</summary>
    public string? Text { get; }

    /// <summary>Object and EcmaArray properties, in wire order.</summary>
    public IReadOnlyList<KeyValuePair<string, Amf0Value>>? Properties { get; }

    /// <summary>StrictArray items.</summary>
    public IReadOnlyList<Amf0Value>? Items { get; }

    /// <summary>The AMF0 null.</summary>
    public static Amf0Value Null { get; } = new(Amf0Type.Null);

    /// <summary>The AMF0 undefined.</summary>
    public static Amf0Value Undefined { get; } = new(Amf0Type.Undefined);

    /// <summary>True when the value is a Boolean true.</summary>
    public bool IsTrue => Type == Amf0Type.Boolean && Number != 0;

    /// <summary>A number.</summary>
    public static Amf0Value FromNumber(double value) => new(Amf0Type.Number, value);

    /// <summary>A boolean.</summary>
    public static Amf0Value FromBoolean(bool value) => new(Amf0Type.Boolean, value ? 1 : 0);

    /// <summary>A string; written as a LongString when its UTF-8 form exceeds 65535 bytes.</summary>
    public static Amf0Value FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(Utf8.GetByteCount(value) > ushort.MaxValue ? Amf0Type.LongString : Amf0Type.String, text: value);
    }

    /// <summary>A date in milliseconds since the Unix epoch (time zone written as 0).</summary>
    public static Amf0Value FromDate(double millisecondsSinceEpoch) => new(Amf0Type.Date, millisecondsSinceEpoch);

    /// <summary>An anonymous object.</summary>
    public static Amf0Value FromObject(IReadOnlyList<KeyValuePair<string, Amf0Value>> properties) =>
        new(Amf0Type.Object, properties: properties);

    /// <summary>An ECMA array.</summary>
    public static Amf0Value FromEcmaArray(IReadOnlyList<KeyValuePair<string, Amf0Value>> properties) =>
        new(Amf0Type.EcmaArray, properties: properties);

    /// <summary>A strict array.</summary>
    public static Amf0Value FromStrictArray(IReadOnlyList<Amf0Value> items) => new(Amf0Type.StrictArray, items: items);

    /// <summary>Finds a property of an Object or EcmaArray by name (ordinal).</summary>
    public bool TryGetProperty(string name, out Amf0Value value)
    {
        if (Properties is not null)
        {
            foreach (var property in Properties)
            {
                if (property.Key == name)
                {
                    value = property.Value;
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    /// <summary>Reads one value with <see cref="Amf0Limits.Default"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out Amf0Value value, out int consumed) =>
        TryRead(source, Amf0Limits.Default, out value, out consumed);

    /// <summary>Reads one value; false (never an exception) on malformed or over-limit input.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, Amf0Limits limits, out Amf0Value value, out int consumed)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var budget = limits.MaxValues;
        consumed = 0;
        return TryReadValue(source, limits, 0, ref budget, ref consumed, out value);
    }

    /// <summary>Reads values until the source is exhausted (an RTMP command or data message body).</summary>
    public static bool TryReadAll(ReadOnlySpan<byte> source, Amf0Limits limits, List<Amf0Value> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var offset = 0;
        while (offset < source.Length)
        {
            if (values.Count >= limits.MaxValues || !TryRead(source[offset..], limits, out var value, out var used))
            {
                return false;
            }

            values.Add(value);
            offset += used;
        }

        return true;
    }

    /// <summary>Serializes values back to back (an RTMP command or data message body).</summary>
    public static byte[] WriteAll(ReadOnlySpan<Amf0Value> values)
    {
        var length = 0;
        foreach (var value in values)
        {
            length += value.GetSerializedLength();
        }

        var body = new byte[length];
        var offset = 0;
        foreach (var value in values)
        {
            value.TryWrite(body.AsSpan(offset), out var written);
            offset += written;
        }

        return body;
    }

    /// <summary>The number of bytes <see cref="TryWrite"/> writes.</summary>
    public int GetSerializedLength() => Type switch
    {
        Amf0Type.Number => 9,
        Amf0Type.Boolean => 2,
        Amf0Type.String => 3 + Utf8.GetByteCount(Text!),
        Amf0Type.LongString => 5 + Utf8.GetByteCount(Text!),
        Amf0Type.Date => 11,
        Amf0Type.Null or Amf0Type.Undefined or Amf0Type.ObjectEnd => 1,
        Amf0Type.Object => 1 + GetPropertiesLength(Properties!),
        Amf0Type.EcmaArray => 5 + GetPropertiesLength(Properties!),
        Amf0Type.StrictArray => 5 + GetItemsLength(Items!),
        _ => throw new InvalidOperationException($"Unsupported AMF0 type {Type}."),
    };

    /// <summary>Writes the value; false when <paramref name="destination"/> is too small.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        var used = Write(destination);
        System.Diagnostics.Debug.Assert(used == written, "length and writer disagree");
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        Amf0Type.Number or Amf0Type.Date => Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Amf0Type.Boolean => IsTrue ? "true" : "false",
        Amf0Type.String or Amf0Type.LongString => Text!,
        _ => Type.ToString(),
    };

    private static int GetPropertiesLength(IReadOnlyList<KeyValuePair<string, Amf0Value>> properties)
    {
        var length = 3;
        foreach (var property in properties)
        {
            length += 2 + Utf8.GetByteCount(property.Key) + property.Value.GetSerializedLength();
        }

        return length;
    }

    private static int GetItemsLength(IReadOnlyList<Amf0Value> items)
    {
        var length = 0;
        foreach (var item in items)
        {
            length += item.GetSerializedLength();
        }

        return length;
    }

    private int Write(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        switch (Type)
        {
            case Amf0Type.Number:
                BinaryPrimitives.WriteDoubleBigEndian(destination[1..], Number);
                return 9;
            case Amf0Type.Boolean:
                destination[1] = Number != 0 ? (byte)1 : (byte)0;
                return 2;
            case Amf0Type.String:
                {
                    var length = Utf8.GetBytes(Text!, destination[3..]);
                    BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
                    return 3 + length;
                }

            case Amf0Type.LongString:
                {
                    var length = Utf8.GetBytes(Text!, destination[5..]);
                    BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
                    return 5 + length;
                }

            case Amf0Type.Date:
                BinaryPrimitives.WriteDoubleBigEndian(destination[1..], Number);
                BinaryPrimitives.WriteInt16BigEndian(destination[9..], 0);
                return 11;
            case Amf0Type.Object:
                return 1 + WriteProperties(Properties!, destination[1..]);
            case Amf0Type.EcmaArray:
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)Properties!.Count);
                return 5 + WriteProperties(Properties, destination[5..]);
            case Amf0Type.StrictArray:
                {
                    BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)Items!.Count);
                    var offset = 5;
                    foreach (var item in Items)
                    {
                        offset += item.Write(destination[offset..]);
                    }

                    return offset;
                }

            default:
                return 1;
        }
    }

    // AMF0 §2.5: object-property = UTF-8 key, value; terminated by UTF-8-empty and object-end-marker.
    private static int WriteProperties(IReadOnlyList<KeyValuePair<string, Amf0Value>> properties, Span<byte> destination)
    {
        var offset = 0;
        foreach (var property in properties)
        {
            var length = Utf8.GetBytes(property.Key, destination[(offset + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], (ushort)length);
            offset += 2 + length;
            offset += property.Value.Write(destination[offset..]);
        }

        destination[offset] = 0;
        destination[offset + 1] = 0;
        destination[offset + 2] = (byte)Amf0Type.ObjectEnd;
        return offset + 3;
    }

    private static bool TryReadValue(
        ReadOnlySpan<byte> source, Amf0Limits limits, int depth, ref int budget, ref int offset, out Amf0Value value)
    {
        value = default;
        if (offset >= source.Length || --budget < 0)
        {
            return false;
        }

        var marker = (Amf0Type)source[offset++];
        switch (marker)
        {
            case Amf0Type.Number:
                if (source.Length - offset < 8)
                {
                    return false;
                }

                value = FromNumber(BinaryPrimitives.ReadDoubleBigEndian(source[offset..]));
                offset += 8;
                return true;
            case Amf0Type.Boolean:
                if (offset >= source.Length)
                {
                    return false;
                }

                value = FromBoolean(source[offset++] != 0);
                return true;
            case Amf0Type.String:
            case Amf0Type.LongString:
                {
                    if (!TryReadString(source, limits, marker == Amf0Type.LongString, ref offset, out var text))
                    {
                        return false;
                    }

                    value = new Amf0Value(marker, text: text);
                    return true;
                }

            case Amf0Type.Date:
                if (source.Length - offset < 10)
                {
                    return false;
                }

                value = FromDate(BinaryPrimitives.ReadDoubleBigEndian(source[offset..]));
                offset += 10;
                return true;
            case Amf0Type.Null:
                value = Null;
                return true;
            case Amf0Type.Undefined:
                value = Undefined;
                return true;
            case Amf0Type.Object:
            case Amf0Type.EcmaArray:
                {
                    if (depth >= limits.MaxDepth)
                    {
                        return false;
                    }

                    if (marker == Amf0Type.EcmaArray)
                    {
                        // The count is only a hint (encoders often write 0); the end marker ends the array.
                        if (source.Length - offset < 4)
                        {
                            return false;
                        }

                        offset += 4;
                    }

                    if (!TryReadProperties(source, limits, depth + 1, ref budget, ref offset, out var properties))
                    {
                        return false;
                    }

                    value = new Amf0Value(marker, properties: properties);
                    return true;
                }

            case Amf0Type.StrictArray:
                {
                    if (depth >= limits.MaxDepth || source.Length - offset < 4)
                    {
                        return false;
                    }

                    var count = BinaryPrimitives.ReadUInt32BigEndian(source[offset..]);
                    offset += 4;

                    // Each item takes at least one byte: check the declared count before allocating.
                    if (count > (uint)budget || count > (uint)(source.Length - offset))
                    {
                        return false;
                    }

                    var items = new Amf0Value[count];
                    for (var i = 0; i < items.Length; i++)
                    {
                        if (!TryReadValue(source, limits, depth + 1, ref budget, ref offset, out items[i]))
                        {
                            return false;
                        }
                    }

                    value = FromStrictArray(items);
                    return true;
                }

            default:
                // Object end outside an object, references, typed objects, AMF3 switch: not supported.
                return false;
        }
    }

    private static bool TryReadProperties(
        ReadOnlySpan<byte> source,
        Amf0Limits limits,
        int depth,
        ref int budget,
        ref int offset,
        out List<KeyValuePair<string, Amf0Value>> properties)
    {
        properties = [];
        while (true)
        {
            if (!TryReadString(source, limits, longString: false, ref offset, out var key))
            {
                return false;
            }

            if (key.Length == 0 && offset < source.Length && source[offset] == (byte)Amf0Type.ObjectEnd)
            {
                offset++;
                return true;
            }

            if (!TryReadValue(source, limits, depth, ref budget, ref offset, out var value))
            {
                return false;
            }

            properties.Add(new KeyValuePair<string, Amf0Value>(key, value));
        }
    }

    private static bool TryReadString(
        ReadOnlySpan<byte> source, Amf0Limits limits, bool longString, ref int offset, out string text)
    {
        text = string.Empty;
        var header = longString ? 4 : 2;
        if (source.Length - offset < header)
        {
            return false;
        }

        var length = longString
            ? BinaryPrimitives.ReadUInt32BigEndian(source[offset..])
            : BinaryPrimitives.ReadUInt16BigEndian(source[offset..]);
        offset += header;
        if (length > (uint)limits.MaxStringBytes || length > (uint)(source.Length - offset))
        {
            return false;
        }

        // Lenient: invalid UTF-8 (some encoders write Latin-1 metadata) becomes U+FFFD, never an exception.
        text = Encoding.UTF8.GetString(source.Slice(offset, (int)length));
        offset += (int)length;
        return true;
    }
}
