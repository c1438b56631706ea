namespace Platform.Web.Session;

/// <summary>A sign-in was refused; the message is written for the person at the keyboard.</summary>
public sealed class SignInException(string message, Exception? inner = null) : Exception(message, inner);
