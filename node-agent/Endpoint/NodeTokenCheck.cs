using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Platform.Contracts;
using Platform.NodeAgent.Bundles;

namespace Platform.NodeAgent.Endpoint;

/// <summary>
/// Admits a request to the node agent's endpoint only with the node token in <see cref="NodeEndpoint.TokenHeader"/>,
/// compared in constant time. The endpoint runs code inside tenants' sandboxes: nobody else may call it.
/// </summary>
internal sealed class NodeTokenCheck(ApiEndpoint api) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        string presented = context.HttpContext.Request.Headers[NodeEndpoint.TokenHeader].ToString();
        byte[] expected = Encoding.UTF8.GetBytes(api.GetNodeToken());
        if (presented.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected))
        {
            context.HttpContext.Response.Headers[NodeEndpoint.ErrorHeader] = "unauthorized";
            return Results.Problem($"the node token is missing or wrong (header {NodeEndpoint.TokenHeader})", statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context);
    }
}
