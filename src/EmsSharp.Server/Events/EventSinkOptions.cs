using System.ComponentModel;
using System.Globalization;

namespace EmsSharp.Server.Events;

/// <summary>
/// One HTTP event sink, as EvoStream's RPC sinks are configured (shared/EVOSTREAM-API.md §5.2): its URL, the events it
/// receives (<see cref="EnabledEvents"/>, all when empty) and its own <see cref="CustomData"/>. In configuration a sink is
/// either a URL string or an object <c>{"Url", "EnabledEvents", "CustomData"}</c>, in the same <c>Events:Sinks</c> list.
/// </summary>
[TypeConverter(typeof(EventSinkOptionsConverter))]
internal sealed class EventSinkOptions
{
    /// <summary>Where the events are POSTed (absolute http or https).</summary>
    public string Url { get; set; } = "";

    /// <summary>Event types this sink receives, matched without regard to case; empty: every event (EvoStream's default).</summary>
    public IList<string> EnabledEvents { get; } = [];

    /// <summary>This sink's <c>customData</c> in each payload; unset: <see cref="EventOptions.CustomData"/>.</summary>
    public string? CustomData { get; set; }

    /// <summary>A sink given as its URL alone.</summary>
    public static implicit operator EventSinkOptions(string url) => new() { Url = url };

    /// <summary>Whether this sink receives events of <paramref name="type"/>.</summary>
    public bool Accepts(string type) =>
        EnabledEvents.Count == 0 || EnabledEvents.Any(e => string.Equals(e, type, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Url;

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
