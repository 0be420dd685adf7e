namespace EmsSharp.Protocols.Rtmp.Amf0;

/// <summary>AMF0 type markers (AMF0 specification §2.1) that EmsSharp reads and writes.</summary>
public enum Amf0Type : byte
{
    /// <summary>IEEE-754 double (§2.2).</summary>
    Number = 0x00,

    /// <summary>Boolean (§2.3).</summary>
    Boolean = 0x01,

    /// <summary>UTF-8 string with a 16-bit length (§2.4).</summary>
    String = 0x02,

    /// <summary>Anonymous object: properties until the object end marker (§2.5).</summary>
    Object = 0x03,

    /// <summary>Null (§2.7).</summary>
    Null = 0x05,

    /// <summary>Undefined (§2.8).</summary>
    Undefined = 0x06,

    /// <summary>ECMA (associative) array: a count hint, then properties until the end marker (§2.10).</summary>
    EcmaArray = 0x08,

    /// <summary>Object end marker, only valid after an empty property name (§2.11).</summary>
    ObjectEnd = 0x09,

    /// <summary>Strict array: a 32-bit count, then that many values (§2.12).</summary>
    StrictArray = 0x0A,

    /// <summary>Date: a double of milliseconds since the epoch and a 16-bit time zone (§2.13).</summary>
    Date = 0x0B,

    /// <summary>UTF-8 string with a 32-bit length (§2.14).</summary>
    LongString = 0x0C,
}
