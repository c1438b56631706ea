using System.Net.Http.Headers;
using System.Text;

namespace Platform.Api.Tests.Fuzz;

/// <summary>One generated call: method, path (segments already escaped or deliberately not), and a raw body.</summary>
public sealed record RestRequest(string Method, string Path, byte[]? Body, string ContentType = "application/json")
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        }
        return message;
    }

    public override string ToString()
    {
        string body = Body is null ? "" : Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 400)));
        return $"{Method} {Path} ({ContentType}) {body}";
    }
}
