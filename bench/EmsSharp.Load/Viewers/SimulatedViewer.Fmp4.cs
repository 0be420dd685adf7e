using System.Text.Json;
using EmsSharp.Media.Fmp4;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The fmp4 receive side (PROTOCOL.md §4.1-4.2): waits for the server's <c>emsCommandChannel</c>, asks for the
/// stream with <c>fmp4Request</c>, counts what <c>emsStreamChannel</c> brings, and reassembles the 249-255 framing
/// only until the first media fragment after the init segment (the join-to-first-keyframe mark: the server starts
/// every viewer on a keyframe); after that bytes are only counted.
/// </summary>
internal sealed partial class SimulatedViewer
{
    private const string CommandChannelLabel = "emsCommandChannel";
    private const string StreamChannelLabel = "emsStreamChannel";

    /// <summary>Made when the stream channel opens, dropped at the first fragment.</summary>
    private Fmp4StreamReassembler? _reassembler;

    private void OnDataChannel(PeerSession session, PeerDataChannel channel)
    {
        switch (channel.Label)
        {
            case CommandChannelLabel:
                channel.MessageReceived += OnCommand;
                channel.SendText(JsonSerializer.Serialize(new { type = "fmp4Request", payload = new { name = _stream } }));
                break;
            case StreamChannelLabel:
                _reassembler = new Fmp4StreamReassembler();
                channel.MessageReceived += OnStreamData;
                break;
            default:
                break;
        }
    }

    private void OnStreamData(PeerDataChannel channel, PeerDataChannelMessage message)
    {
        AddReceived(message.Data.Length);
        if (_reassembler is not { } reassembler)
        {
            return;
        }

        if (!reassembler.Push(message.Data))
        {
            Fail("malformed fMP4 framing on emsStreamChannel");
            _reassembler = null;
        }
        else if (reassembler.InitSegment is not null && reassembler.TryPollFragment(out _))
        {
            KeyframeSeen();
            _reassembler = null;
        }
    }

    /// <summary><c>fmp4Response</c> with FAIL (an unknown stream) is the viewer's failure.</summary>
    private void OnCommand(PeerDataChannel channel, PeerDataChannelMessage message)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(message.Data);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out JsonElement type) && type.ValueEquals("fmp4Response")
                && root.TryGetProperty("payload", out JsonElement payload) && payload.ValueKind == JsonValueKind.Object
                && payload.TryGetProperty("status", out JsonElement status) && !status.ValueEquals("SUCCESS"))
            {
                Fail("fmp4Response: " + (payload.TryGetProperty("description", out JsonElement d) ? d.ToString() : status.ToString()));
            }
        }
        catch (JsonException)
        {
            Fail("malformed JSON on emsCommandChannel");
        }
    }
}
