using System.ComponentModel;
using System.Globalization;

namespace EmsSharp.Server.Events;

/// <summary>
/// One event sink, as EvoStream's sinks are configured (shared/EVOSTREAM-API.md §5.2): an RPC sink POSTs each event to
/// <see cref="Url"/> in its <see cref="SerializerType"/>; a file sink (<see cref="Type"/> <c>file</c>) appends each event to
/// <see cref="FileName"/> in its <see cref="Format"/>. Both take the events they receive (<see cref="EnabledEvents"/>, all
/// when empty) and their own <see cref="CustomData"/>. In configuration a sink is either a URL string (an RPC sink sending
/// JSON) or an object, in the same <c>Events:Sinks</c> list.
/// </summary>
[TypeConverter(typeof(EventSinkOptionsConverter))]
internal sealed class EventSinkOptions
{
    /// <summary><c>RPC</c> (HTTP POST, the default) or <c>file</c>, matched without regard to case.</summary>
    public string Type { get; set; } = "RPC";

    /// <summary>RPC: where the events are POSTed (absolute http or https).</summary>
    public string Url { get; set; } = "";

    /// <summary>RPC: the body's form, <c>JSON</c> (the default), <c>XML</c> or <c>XMLRPC</c>, matched without regard to case.</summary>
    public string SerializerType { get; set; } = "JSON";

    /// <summary>File: the log's path; the file written is this name with <c>_&lt;yyyyMMdd_HHmmss&gt;</c> (UTC) before its extension.</summary>
    public string? FileName { get; set; }

    /// <summary>File: <c>text</c> (the default), <c>json</c>, <c>xml</c> or <c>w3c</c>.</summary>
    public string Format { get; set; } = "text";

    /// <summary>File: a file that reaches this size is closed and the next event starts a new one.</summary>
    public long MaxFileSize { get; set; } = 10 * 1024 * 1024;

    /// <summary>File: how many of this sink's files are kept; the oldest is deleted when a new one would exceed it.</summary>
    public int MaxFiles { get; set; } = 10;

    /// <summary>File: EvoStream's <c>fileChunkLength</c>: a file is closed this many seconds after it opened (unset: no time limit).</summary>
    public int? FileChunkLength { get; set; }

    /// <summary>
    /// File: EvoStream's <c>fileChunkTime</c>, <c>HH:MM:SS</c> (or <c>HH:MM</c>), UTC: the open file is closed each day at this
    /// time (unset: no daily cut). At most one of this and <see cref="FileChunkLength"/>.
    /// </summary>
    public string? FileChunkTime { get; set; }

    /// <summary>File: EvoStream's <c>appendInstance</c>: the file names carry this run's 4-digit instance number after the base.</summary>
    public bool AppendInstance { get; set; }

    /// <summary>The parsed <see cref="FileChunkTime"/>, or null when unset or unreadable (validation refuses that at load).</summary>
    public TimeOnly? ChunkTimeOfDay =>
        TimeOnly.TryParseExact(FileChunkTime, ["HH:mm:ss", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    /// <summary>Event types this sink receives, matched without regard to case; empty: every event (EvoStream's default).</summary>
    public IList<string> EnabledEvents { get; } = [];

    /// <summary>This sink's <c>customData</c> in each payload; unset: <see cref="EventOptions.CustomData"/>.</summary>
    public string? CustomData { get; set; }

    /// <summary>Whether this is a file sink (else an RPC sink).</summary>
    public bool IsFile => string.Equals(Type, "file", StringComparison.OrdinalIgnoreCase);

    /// <summary>The parsed <see cref="SerializerType"/> (JSON when it names none: validation refuses that at load).</summary>
    public EventSerializerType Serializer => SerializerType.ToUpperInvariant() switch
    {
        "XML" => EventSerializerType.Xml,
        "XMLRPC" => EventSerializerType.XmlRpc,
        _ => EventSerializerType.Json,
    };

    /// <summary>The parsed <see cref="Format"/> (text when it names none: validation refuses that at load).</summary>
    public EventFileFormat FileFormat => Format.ToLowerInvariant() switch
    {
        "json" => EventFileFormat.Json,
        "xml" => EventFileFormat.Xml,
        "w3c" => EventFileFormat.W3c,
        _ => EventFileFormat.Text,
    };

    /// <summary>A sink given as its URL alone.</summary>
    public static implicit operator EventSinkOptions(string url) => new() { Url = url };

    /// <summary>Whether this sink receives events of <paramref name="type"/>.</summary>
    public bool Accepts(string type) =>
        EnabledEvents.Count == 0 || EnabledEvents.Any(e => string.Equals(e, type, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => IsFile ? FileName ?? "" : Url;

    // Lets the configuration binder take a plain string element ("http://...") as a sink (a section with a value goes
    // through the type's converter; a section with children is bound member by member).
    private sealed class EventSinkOptionsConverter : TypeConverter
    {
        public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
            sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string url ? new EventSinkOptions { Url = url } : base.ConvertFrom(context, culture, value);
    }
}

/// <summary>How an RPC sink writes its body (shared/EVOSTREAM-API.md §5.1).</summary>
internal enum EventSerializerType
{
    Json,
    Xml,
    XmlRpc,
}

/// <summary>How a file sink writes its lines (shared/EVOSTREAM-API.md §5.2).</summary>
internal enum EventFileFormat
{
    Text,
    Json,
    Xml,
    W3c,
}
