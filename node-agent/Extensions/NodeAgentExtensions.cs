using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.NodeAgent.Backends;
using Platform.NodeAgent.Bundles;
using Platform.NodeAgent.Consumers;
using Platform.NodeAgent.Endpoint;
using Platform.NodeAgent.Heartbeat;
using Platform.NodeAgent.Instances;
using Platform.NodeAgent.Logs;
using Platform.NodeAgent.Networking;
using Platform.NodeAgent.Secrets;
using Platform.Runtime;

namespace Platform.NodeAgent;

/// <summary>Composition of the node agent role (runs instances on this host) for whichever host runs it.</summary>
public static class NodeAgentExtensions
{
    /// <summary>
    /// Registers the node agent: instance manager (a hosted service), heartbeat, bundle cache, log store and the
    /// forwarder behind its HTTP endpoint. The host maps that endpoint with <see cref="Endpoint.NodeEndpoints.MapNodeAgent"/>
    /// and adds the consumers with <see cref="AddNodeAgentConsumers"/> inside its AddMassTransit call.
    /// </summary>
    public static IHostApplicationBuilder AddNodeAgent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NodeAgentOptions>()
            .Bind(builder.Configuration.GetSection(NodeAgentOptions.SectionName))
            .PostConfigure<IConfiguration>((options, configuration) =>
                options.DataDir ??= Path.Combine(Path.GetFullPath(configuration["Platform:DataDir"] ?? ".data"), "node"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(ApiEndpoint.HttpClientName);
        services.TryAddSingleton<IContainerRuntime>(sp =>
            new ContainerRuntime(new RuntimeOptions { Root = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<NodeAgentOptions>>().Value.RuntimeRoot }));
        services.AddSingleton<ApiEndpoint>();
        services.AddSingleton<BundleCache>();
        services.AddSingleton<FunctionSecretsClient>();
        services.AddSingleton<HostIdRanges>();
        services.AddSingleton<ContainerPool>();
        services.AddSingleton<RootDiskCache>();
        services.AddSingleton<NodeBackends>();
        services.AddSingleton<LocalInstances>();
        services.AddSingleton<InstanceLogStore>();
        services.AddSingleton<NetnsSocketFactory>();
        services.AddSingleton<EgressNetwork>();
        services.AddSingleton<LocalInstanceConnector>();
        services.AddSingleton<InstanceForwarder>();
        services.AddSingleton<NodeTokenCheck>();
        services.AddHttpForwarder();
        services.AddSingleton<ReadinessProbe>();
        services.AddSingleton<InstanceManager>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceManager>());
        services.AddHostedService<HeartbeatService>();
        return builder;
    }

    public static IBusRegistrationConfigurator AddNodeAgentConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<NodeCommandsConsumer, NodeCommandsConsumerDefinition>();
        return bus;
    }
}
