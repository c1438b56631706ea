using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Platform.Scheduler;

/// <summary>Composition of the scheduler role (placement, node liveness) for whichever host runs it.</summary>
public static class SchedulerExtensions
{
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        return builder;
    }

    public static IBusRegistrationConfigurator AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        return bus;
    }
}
