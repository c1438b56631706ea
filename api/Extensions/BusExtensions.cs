using MassTransit;
using Platform.Api.Correlation;
using Platform.Api.Gateway;
using Platform.Api.Invocations;
using Platform.Api.Options;
using Platform.NodeAgent;
using Platform.Scheduler;

namespace Platform.Api.Extensions;

public static class BusExtensions
{
    /// <summary>
    /// The one AddMassTransit of the host: the consumers of the roles this process runs, over the in-memory
    /// transport (one process) or RabbitMQ ("Platform:Bus:Transport" = rabbitmq) between processes.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformBus(this IHostApplicationBuilder builder, PlatformRoles roles)
    {
        var options = builder.Configuration.GetSection(BusOptions.SectionName).Get<BusOptions>() ?? new BusOptions();
        string transport = options.Transport.ToLowerInvariant();
        if (transport is not ("inmemory" or "rabbitmq"))
        {
            throw new InvalidOperationException($"Platform:Bus:Transport: unknown transport '{options.Transport}' (known: inmemory, rabbitmq)");
        }
        builder.Services.AddScoped<CorrelationContext>();
        builder.Services.AddMassTransit(bus =>
        {
            if (roles.Api)
            {
                // Every api process must see every instance event: its own queue, gone when the process goes.
                bus.AddConsumer<GatewayEventsConsumer>().Endpoint(e =>
                {
                    e.Name = $"platform-gateway-{Environment.MachineName}-{Guid.NewGuid():N}";
                    e.Temporary = true;
                });
                // Async invocations: one shared, durable queue; any api process runs any of them.
                int attempts = (builder.Configuration.GetSection(InvocationOptions.SectionName).Get<InvocationOptions>() ?? new InvocationOptions()).Concurrency;
                bus.AddConsumer<InvocationConsumer>(c => c.ConcurrentMessageLimit = attempts).Endpoint(e => e.Name = "platform-invocations");
            }
            if (roles.Scheduler)
            {
                bus.AddSchedulerConsumers();
            }
            if (roles.Node)
            {
                bus.AddNodeAgentConsumers();
            }
            if (transport == "rabbitmq")
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        h.Username(options.Username);
                        h.Password(options.Password);
                    });
                    Configure(context, cfg);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) => Configure(context, cfg));
            }
        });
        return builder;
    }

    // Every role's consumers log with the correlation id of the message they handle and pass it on in what
    // they publish (Correlation/): one place, whichever roles this process runs.
    private static void Configure<T>(IBusRegistrationContext context, IBusFactoryConfigurator<T> cfg)
        where T : IReceiveEndpointConfigurator
    {
        cfg.UseConsumeFilter(typeof(CorrelationConsumeFilter<>), context);
        cfg.UsePublishFilter(typeof(CorrelationOutgoingFilter<>), context);
        cfg.UseSendFilter(typeof(CorrelationOutgoingFilter<>), context);
        cfg.ConfigureEndpoints(context);
    }
}
