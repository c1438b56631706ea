using System.Text.Json;

namespace Platform.Data.Entities;

/// <summary>
/// A message that goes out with the database change that caused it (the transactional outbox): added to the
/// context before <c>SaveChanges</c>, it commits or rolls back with that change, and a relay publishes it after
/// the commit and deletes it. A row outliving its process is published by any process's relay later, so every
/// message is delivered at least once (consumers are idempotent).
/// </summary>
public sealed class OutboxMessage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public long Id { get; set; }
    /// <summary>The message's CLR type, "Namespace.Type, Assembly" (resolved when it is published).</summary>
    public required string Type { get; set; }
    public required string Body { get; set; }
    /// <summary>The correlation id of the request or message whose work wrote it, carried on when published.</summary>
    public string? CorrelationId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>A relay that polls for left-over rows owns this one until then (another may take it afterwards).</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
    public Guid? ClaimedBy { get; set; }

    public static OutboxMessage For(object message)
    {
        var type = message.GetType();
        return new OutboxMessage
        {
            Type = $"{type.FullName}, {type.Assembly.GetName().Name}",
            Body = JsonSerializer.Serialize(message, type, Json),
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>The message and its type, or why not (a type this build no longer has).</summary>
    public (object Message, Type Type) Read()
    {
        var type = System.Type.GetType(Type, throwOnError: true)!;
        return (JsonSerializer.Deserialize(Body, type, Json)!, type);
    }
}
