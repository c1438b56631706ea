namespace Platform.Web.Client;

/// <summary>The answer to creating a key: the only time the API shows the key itself.</summary>
public sealed record CreatedKey(Guid Id, string Name, string Prefix, string Key);
