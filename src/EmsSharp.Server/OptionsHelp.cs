using System.Text.Json;
using System.Text.Json.Serialization;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Delivery.Whep;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server;

/// <summary>
/// <c>ems --help</c>: how to give options, then every option with its default, as the JSON a <c>--config</c> file takes
/// (so the output, saved and edited, is a configuration). docs/OPERATIONS.md says what each one does.
/// </summary>
internal static class OptionsHelp
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Text()
    {
        var defaults = JsonSerializer.SerializeToNode(new EmsOptions(), Json)!.AsObject();
        defaults[IngestOptions.SectionName] = JsonSerializer.SerializeToNode(new IngestOptions(), Json);
        defaults[WebRtcOptions.SectionName] = JsonSerializer.SerializeToNode(new WebRtcOptions(), Json);
        defaults[Fmp4SourceOptions.SectionName] = JsonSerializer.SerializeToNode(new Fmp4SourceOptions(), Json);
        defaults[WsFmp4Options.SectionName] = JsonSerializer.SerializeToNode(new WsFmp4Options(), Json);
        defaults[RecordOptions.SectionName] = JsonSerializer.SerializeToNode(new RecordOptions(), Json);
        defaults[WhepOptions.SectionName] = JsonSerializer.SerializeToNode(new WhepOptions(), Json);
        return """
            Usage: ems [--config ems.json] [--Section:Key value ...]

            Options come, later ones winning, from the JSON file of --config, environment variables prefixed EMS_
            (EMS_Api__Http__Port=8080) and --Section:Key value switches (--Api:Http:Port 8080). Each option and what it
            does: docs/OPERATIONS.md. Their defaults, as a --config file:

            """ + defaults.ToJsonString(Json) + Environment.NewLine;
    }
}
