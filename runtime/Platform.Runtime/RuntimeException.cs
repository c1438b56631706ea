namespace Platform.Runtime;

/// <summary>An error a user can act on: the message names what was wrong (and the JSON path for config errors).</summary>
public class RuntimeException(string message, Exception? inner = null) : Exception(message, inner);
