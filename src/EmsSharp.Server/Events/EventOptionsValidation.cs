namespace EmsSharp.Server.Events;

/// <summary>The checks of <see cref="EventOptions"/> at load (run by <see cref="EmsOptionsValidator"/>), each error naming its key.</summary>
internal static class EventOptionsValidation
{
    public static void Validate(EventOptions options, List<string> errors)
    {
        if (options.QueueCapacity is < 1 or > 1_000_000)
            errors.Add("Events:QueueCapacity must be 1..1000000.");
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(5))
            errors.Add("Events:RequestTimeout must be > 0 and <= 5 minutes.");
        if (options.FeedStoppedAfter < TimeSpan.FromMilliseconds(100) || options.FeedStoppedAfter > TimeSpan.FromHours(1))
            errors.Add("Events:FeedStoppedAfter must be 00:00:00.1..01:00:00.");
        for (var i = 0; i < options.Sinks.Count; i++)
        {
            var sink = options.Sinks[i];
            var key = $"Events:Sinks:{i}";
            if (sink.IsFile)
                ValidateFile(sink, key, errors);
            else if (string.Equals(sink.Type, "RPC", StringComparison.OrdinalIgnoreCase))
                ValidateRpc(sink, key, errors);
            else
                errors.Add($"{key}:Type must be RPC or file (got '{sink.Type}').");
            if (sink.EnabledEvents.Any(string.IsNullOrWhiteSpace))
                errors.Add($"{key}: '{sink}' has an empty name in EnabledEvents.");
        }
    }

    private static void ValidateRpc(EventSinkOptions sink, string key, List<string> errors)
    {
        if (!Uri.TryCreate(sink.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            errors.Add($"{key}: '{sink.Url}' is not an absolute http(s) URL.");
        if (sink.SerializerType.ToUpperInvariant() is not ("JSON" or "XML" or "XMLRPC"))
            errors.Add($"{key}:SerializerType must be JSON, XML or XMLRPC (got '{sink.SerializerType}').");
        if (sink.FileName is not null || sink.FileChunkLength is not null || sink.FileChunkTime is not null || sink.AppendInstance)
            errors.Add($"{key}: FileName, FileChunkLength, FileChunkTime and AppendInstance are for file sinks; set Type to file, or remove them.");
    }

    private static void ValidateFile(EventSinkOptions sink, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(sink.FileName))
            errors.Add($"{key}: a file sink needs FileName.");
        else if (sink.FileName.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Path.GetFileName(sink.FileName).Length == 0)
            errors.Add($"{key}:FileName '{sink.FileName}' is not a file path.");
        if (sink.Format.ToLowerInvariant() is not ("text" or "json" or "xml" or "w3c"))
            errors.Add($"{key}:Format must be text, json, xml or w3c (got '{sink.Format}').");
        if (sink.MaxFileSize is < 4096 or > 1L << 40)
            errors.Add($"{key}:MaxFileSize must be 4096..1099511627776 bytes.");
        if (sink.MaxFiles is < 1 or > 10_000)
            errors.Add($"{key}:MaxFiles must be 1..10000.");
        if (sink.FileChunkLength is < 1 or > 31_536_000)
            errors.Add($"{key}:FileChunkLength must be 1..31536000 seconds (got {sink.FileChunkLength}).");
        if (sink.FileChunkTime is not null && sink.ChunkTimeOfDay is null)
            errors.Add($"{key}:FileChunkTime must be HH:MM:SS or HH:MM, 00:00:00..23:59:59 (got '{sink.FileChunkTime}').");
        if (sink.FileChunkLength is not null && sink.FileChunkTime is not null)
            errors.Add($"{key}: set FileChunkLength or FileChunkTime, not both (EvoStream ignores both then; say which cut you mean).");
        if (sink.Url.Length > 0)
            errors.Add($"{key}: Url is for RPC sinks; a file sink writes to FileName.");
    }
}
