namespace Platform.Web.Components.Pages;

/// <summary>What the signed-in page shows below its toolbar; Tenants and Nodes are the admin's.</summary>
internal enum DashboardView
{
    Functions,
    Function,
    Overview,
    Tenants,
    Nodes,
}
