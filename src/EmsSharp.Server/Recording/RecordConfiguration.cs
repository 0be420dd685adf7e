using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Recording;

/// <summary>
/// What <c>record</c> configured (operationType 7; shared/EVOSTREAM-API.md §4): record local stream
/// <see cref="LocalStreamName"/> to <see cref="ComputedPathToFile"/> (the full path <see cref="PathToFile"/> resolved to),
/// a new file per <see cref="ChunkLength"/> seconds when it is not 0. <see cref="UserVariables"/> are the <c>_</c> keys given
/// to the command. <see cref="ToJson"/> is the reply, the persisted form, listConfig's <c>record</c> entry and the outputs'
/// <c>recordSettings</c>.
/// </summary>
internal sealed record RecordConfiguration(
    long ConfigId,
    string LocalStreamName,
    string PathToFile,
    string ComputedPathToFile,
    string Type,
    bool Overwrite,
    bool KeepAlive,
    int ChunkLength,
    bool WaitForIdr,
    bool WinQtCompat,
    bool DateFolderStructure,
    bool HasAudio,
    JsonObject UserVariables)
{
    /// <summary>The longest chunkLength, in seconds (a day).</summary>
    public const int MaxChunkLength = 86_400;

    /// <summary>EvoStream's members in its (alphabetical) order, the user variables (<c>_</c> sorts first) leading.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (key, value) in UserVariables.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            json[key] = value?.DeepClone();
        }

        json["chunkLength"] = ChunkLength;
        json["computedPathToFile"] = ComputedPathToFile;
        json["configId"] = ConfigId;
        json["dateFolderStructure"] = DateFolderStructure;
        json["hasAudio"] = HasAudio;
        json["keepAlive"] = KeepAlive;
        json["localStreamName"] = LocalStreamName;
        json["mp4BinPath"] = "";
        json["operationType"] = (int)OperationType.Record;
        json["overwrite"] = Overwrite;
        json["pathToFile"] = PathToFile;
        json["preset"] = 0;
        json["type"] = Type;
        json["waitForIDR"] = WaitForIdr;
        json["winQtCompat"] = WinQtCompat;
        return json;
    }

    /// <summary>The user variables alone, for the events of the recording.</summary>
    public void AddUserVariablesTo(JsonObject payload)
    {
        foreach (var (key, value) in UserVariables)
        {
            payload[key] = value?.DeepClone();
        }
    }

    /// <summary>Reads a persisted configuration back; false when a member is missing, of the wrong type or out of range.</summary>
    public static bool TryFromJson(JsonObject json, out RecordConfiguration configuration)
    {
        configuration = null!;
        try
        {
            var variables = new JsonObject();
            foreach (var (key, value) in json)
            {
                if (key.StartsWith('_'))
                {
                    variables[key] = value?.DeepClone();
                }
            }

            configuration = new RecordConfiguration(
                json["configId"]!.GetValue<long>(),
                json["localStreamName"]!.GetValue<string>(),
                json["pathToFile"]!.GetValue<string>(),
                json["computedPathToFile"]!.GetValue<string>(),
                json["type"]!.GetValue<string>(),
                json["overwrite"]?.GetValue<bool>() ?? false,
                json["keepAlive"]?.GetValue<bool>() ?? true,
                json["chunkLength"]?.GetValue<int>() ?? 0,
                json["waitForIDR"]?.GetValue<bool>() ?? false,
                json["winQtCompat"]?.GetValue<bool>() ?? true,
                json["dateFolderStructure"]?.GetValue<bool>() ?? false,
                json["hasAudio"]?.GetValue<bool>() ?? false,
                variables);
            return configuration.LocalStreamName.Length > 0 && Path.IsPathFullyQualified(configuration.ComputedPathToFile) &&
                RecordType.IsKnown(configuration.Type) && configuration.ChunkLength is >= 0 and <= MaxChunkLength;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }
}
