using Cdp.Core.Access;
using Cdp.Core.Privacy;
using Cdp.Functions.Privacy;
using Cdp.Http;
using Cdp.Testing.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace Cdp.Functions.Tests;

/// <summary>The Function App's admin gate: with Entra ID required, an admin call without a platform principal is refused before the function runs.</summary>
public sealed class AdminMiddlewareTests
{
    private readonly InMemoryAuditLog _log = new();

    [Fact]
    public async Task AdminCall_WithoutPrincipal_WhenRequired_Is401_AndTheFunctionDoesNotRun()
    {
        var (context, http) = Context("/api/profiles/p_1");
        var ran = false;

        await Middleware(requirePrincipal: true).Invoke(context, _ => { ran = true; return Task.CompletedTask; });

        Assert.False(ran);
        Assert.Equal(StatusCodes.Status401Unauthorized, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.Empty(await _log.QueryAsync(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, null, null, 10), CancellationToken.None));
    }

    [Fact]
    public async Task Collection_PassesThrough_Unaudited_EvenWhenPrincipalsAreRequired()
    {
        var (context, http) = Context("/api/v1/track");
        var ran = false;

        await Middleware(requirePrincipal: true).Invoke(context, _ => { ran = true; return Task.CompletedTask; });

        Assert.True(ran);
        Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
        Assert.Empty(await _log.QueryAsync(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, null, null, 10), CancellationToken.None));
    }

    private AdminMiddleware Middleware(bool requirePrincipal) =>
        new(new AuditHandler(new AuditService(_log, TimeProvider.System)), Options.Create(new AdminOptions { RequirePrincipal = requirePrincipal }));

    /// <summary>A function invocation carrying an HTTP request, as ASP.NET Core integration hands it over (the request context in <c>Items</c>).</summary>
    private static (FunctionContext Context, HttpContext Http) Context(string path)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return (context.Object, http);
    }
}
