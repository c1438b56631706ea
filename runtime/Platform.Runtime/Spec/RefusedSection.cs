namespace Platform.Runtime.Spec;

/// <summary>
/// A section of config.json this runtime does not apply, kept (as an empty object: its contents are not read) only
/// so that create refuses it by its JSON path instead of ignoring it. Not a JsonElement: the serializer's nullable
/// converter for that pulls the reflection-based converters, and with them OpenSSL, into the static CLI.
/// </summary>
public sealed class RefusedSection;
