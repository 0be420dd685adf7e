using System.Text.Json.Serialization;

namespace EmsSharp.Load.Signalling;

/// <summary>The payload of a load message: its sequence number in the sender's run.</summary>
internal sealed record RelayPayload([property: JsonPropertyName("seq")] int Seq);
