using MassTransit;
using Platform.Api.Figures;
using Platform.Api.Security;
using Platform.Contracts;

namespace Platform.Api.Gateway;

/// <summary>
/// The scheduler's instance events and the api's function events, as every gateway sees them: each api process
/// has its own temporary queue (see Extensions/BusExtensions), so none misses an event another one took.
/// </summary>
internal sealed class GatewayEventsConsumer(InstanceDirectory directory, InstanceLoad load, RouteTable routes, GatewayFigures figures, ApiKeyCache verifiedKeys)
    : IConsumer<InstanceReady>, IConsumer<InstanceGone>, IConsumer<FunctionActivated>, IConsumer<FunctionRemoved>, IConsumer<ApiKeysRevoked>
{
    public Task Consume(ConsumeContext<InstanceReady> context)
    {
        InstanceReady m = context.Message;
        if (Uri.TryCreate(m.NodeUrl, UriKind.Absolute, out Uri? node))
        {
            directory.Ready(new RoutedInstance(m.InstanceId, m.FunctionId, m.Version, node));
        }
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InstanceGone> context)
    {
        directory.Gone(context.Message.InstanceId);
        load.Forget(context.Message.InstanceId);
        return Task.CompletedTask;
    }

    // A deploy, rollback or delete is seen at once, not after the route cache expires.
    public Task Consume(ConsumeContext<FunctionActivated> context)
    {
        routes.Evict(context.Message.Tenant, context.Message.Function);
        return Task.CompletedTask;
    }

    // A function made again under the same name starts its figures afresh.
    public Task Consume(ConsumeContext<FunctionRemoved> context)
    {
        routes.Evict(context.Message.Tenant, context.Message.Function);
        figures.Forget(context.Message.Tenant, context.Message.Function);
        return Task.CompletedTask;
    }

    // A key deleted through another api stops opening keyed functions here too.
    public Task Consume(ConsumeContext<ApiKeysRevoked> context)
    {
        verifiedKeys.Forget(context.Message.KeyIds, context.Message.Tenant);
        return Task.CompletedTask;
    }
}
