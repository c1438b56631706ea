using System.Text.Json;
using Platform.Contracts;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// What an agent that starts again needs to adopt an instance its previous run left running:
/// <c>instance.json</c> in the instance's directory, written before its container is created.
/// </summary>
internal sealed record InstanceRecord(StartInstance Command, uint? HostId)
{
    private const string FileName = "instance.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Save(string directory)
    {
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The record, or null when there is none or it cannot be read (the instance is then removed, not adopted).</summary>
    public static InstanceRecord? TryLoad(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize<InstanceRecord>(File.ReadAllText(Path.Combine(directory, FileName)), Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
