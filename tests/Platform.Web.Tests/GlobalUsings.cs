// What every test here uses: the client's records, the fake API and the context's helpers.
global using Platform.Web.Client;
global using Platform.Web.Tests.Fakes;
global using static Platform.Web.Tests.Components.DashboardContext;
