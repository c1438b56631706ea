namespace Platform.Web.Client;

/// <summary>Where the dashboard reaches the REST API of its own process.</summary>
public interface IApiBaseAddress
{
    Uri Resolve();
}
