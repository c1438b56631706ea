using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Platform.NodeAgent;

/// <summary>Composition of the node agent role (runs instances on this host) for whichever host runs it.</summary>
public static class NodeAgentExtensions
{
    public static IHostApplicationBuilder AddNodeAgent(this IHostApplicationBuilder builder)
    {
        return builder;
    }

    public static IBusRegistrationConfigurator AddNodeAgentConsumers(this IBusRegistrationConfigurator bus)
    {
        return bus;
    }
}
