using MassTransit;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Scheduler.Consumers;
using Platform.Scheduler.Convergence;
using Platform.Scheduler.Liveness;
using Platform.Scheduler.Placement;
using Platform.Scheduler.Scaling;

namespace Platform.Scheduler;

/// <summary>Composition of the scheduler role (placement, node liveness) for whichever host runs it.</summary>
public static class SchedulerExtensions
{
    /// <summary>
    /// Registers the scheduler's services and its reconcile loop. The host registers
    /// <see cref="Platform.Data.PlatformDbContext"/> and the bus (with <see cref="AddSchedulerConsumers"/>).
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchedulerOptions>()
            .Bind(builder.Configuration.GetSection(SchedulerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SchedulerGate>();
        builder.Services.AddSingleton<InstanceActivityTracker>();
        builder.Services.AddSingleton<HeartbeatArrivals>();
        builder.Services.AddSingleton<ConcurrencyAutoscaler>();
        builder.Services.AddSingleton<IPlacementPolicy, LeastAllocatedPlacementPolicy>();
        builder.Services.AddScoped<INodeCommands, OutboxNodeCommands>();
        builder.Services.AddSingleton<IInterceptor, InstanceEventsInterceptor>();
        builder.Services.AddScoped<FunctionConverger>();
        builder.Services.AddScoped<InstanceStatusRecorder>();
        builder.Services.AddScoped<NodeRegistry>();
        builder.Services.AddHostedService<ReconcileService>();
        return builder;
    }

    public static IBusRegistrationConfigurator AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<FunctionActivatedConsumer>();
        bus.AddConsumer<FunctionRemovedConsumer>();
        bus.AddConsumer<InstanceRequestedConsumer>();
        bus.AddConsumer<InstanceStatusChangedConsumer>();
        bus.AddConsumer<NodeHeartbeatConsumer>();
        bus.AddConsumer<NodeOperationsConsumer>();
        return bus;
    }
}
