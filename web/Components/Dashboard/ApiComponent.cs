using Microsoft.AspNetCore.Components;
using Platform.Web.Client;

namespace Platform.Web.Components.Dashboard;

/// <summary>
/// A part of the dashboard that calls the API with the signed-in key and shows a failure where it happened,
/// not in a banner far from the button that caused it. A rejected key goes up to the page, which signs out.
/// </summary>
public abstract class ApiComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();

    [Inject] protected IPlatformApiClient Api { get; set; } = default!;

    [Parameter, EditorRequired] public string Key { get; set; } = "";

    /// <summary>The API answered 401: the key was revoked or expired while signed in.</summary>
    [Parameter] public EventCallback OnKeyRejected { get; set; }

    /// <summary>Cancelled when the component leaves the page, so its calls and streams end with it.</summary>
    protected CancellationToken Lifetime => _lifetime.Token;

    /// <summary>The last call's validation messages by JSON field, for a form to show next to each input.</summary>
    protected IReadOnlyDictionary<string, string[]> FieldErrors { get; private set; } = new Dictionary<string, string[]>();

    /// <returns>The message to show in place of the call; null when it succeeded (or the component went away).</returns>
    protected async Task<string?> CallAsync(Func<CancellationToken, Task> call)
    {
        FieldErrors = new Dictionary<string, string[]>();
        try
        {
            await call(_lifetime.Token);
            return null;
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            return null;
        }
        catch (PlatformApiException e)
        {
            FieldErrors = e.FieldErrors;
            if (e.IsUnauthorized)
            {
                await OnKeyRejected.InvokeAsync();
            }
            return Describe(e);
        }
    }

    internal static string Describe(PlatformApiException e) =>
        e.IsUnreachable ? $"The platform API is not available. {e.Message}" : e.Message;

    public virtual void Dispose()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
        GC.SuppressFinalize(this);
    }
}
