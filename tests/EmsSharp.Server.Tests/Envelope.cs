using System.Text.Json;

namespace EmsSharp.Server.Tests;

/// <summary>Checks and reads the reply envelope.</summary>
internal static class Envelope
{
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var names = new List<string>();
        foreach (var property in root.EnumerateObject())
            names.Add(property.Name);
        Assert.Equal(["data", "description", "status"], names);
        Assert.Equal(JsonValueKind.String, root.GetProperty("description").ValueKind);
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "SUCCESS", "FAIL" });
        return root;
    }

    public static string Status(this JsonElement reply) => reply.GetProperty("status").GetString()!;

    public static string Description(this JsonElement reply) => reply.GetProperty("description").GetString()!;

    public static JsonElement Data(this JsonElement reply) => reply.GetProperty("data");
}
