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

    /// <summary>
    /// With roles required (issue 21), each admin call needs the app role its route maps to: a reader reads, an operator
    /// changes configuration, only a privacy officer erases, exports or reads the audit; a refusal is 403 and audited.
    /// </summary>
    [Theory]
    [InlineData("GET", "/api/profiles/p_1", "", 403)]
    [InlineData("GET", "/api/profiles/p_1", AdminRoles.Reader, 200)]
    [InlineData("GET", "/api/segments", AdminRoles.Operator, 200)]
    [InlineData("PUT", "/api/segments/vip", AdminRoles.Reader, 403)]
    [InlineData("PUT", "/api/segments/vip", AdminRoles.Operator, 200)]
    [InlineData("POST", "/api/privacy/erasures", AdminRoles.Operator, 403)]
    [InlineData("POST", "/api/privacy/erasures", AdminRoles.PrivacyOfficer, 200)]
    [InlineData("GET", "/api/profiles/p_1/export", AdminRoles.Reader, 403)]
    [InlineData("GET", "/api/audit", AdminRoles.PrivacyOfficer, 200)]
    public async Task WithRolesRequired_EachRouteNeedsItsRole(string method, string path, string role, int expected)
    {
        var (context, http) = Context(path, method);
        http.Request.Headers[AdminMiddleware.PrincipalHeader] = "ada@example.com";
        var claims = role.Length == 0 ? "[]" : $$"""[{"typ":"roles","val":"{{role}}"},{"typ":"name","val":"Ada"}]""";
        http.Request.Headers[AdminMiddleware.ClaimsHeader] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($$"""{"auth_typ":"aad","claims":{{claims}}}"""));
        var ran = false;

        // A function that runs stops the invocation there (the mocked context has no invocation result to audit).
        await Record.ExceptionAsync(() => Middleware(requirePrincipal: true, requireRoles: true).Invoke(context, _ =>
        {
            ran = true;
            throw new OperationCanceledException("ran");
        }));

        Assert.Equal(expected == 200, ran);
        Assert.Equal(expected, http.Response.StatusCode);
        if (expected == 403)
        {
            var entry = Assert.Single(await _log.QueryAsync(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, null, null, 10), CancellationToken.None));
            Assert.Equal(("ada@example.com", 403), (entry.Actor, entry.Status));
        }
    }

    [Fact]
    public void APrincipalHeaderThatIsNotAppServices_HoldsNoRole()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers[AdminMiddleware.ClaimsHeader] = "not base64 {";

        Assert.Empty(AdminMiddleware.RolesOf(request));
    }

    private AdminMiddleware Middleware(bool requirePrincipal, bool requireRoles = false) =>
        new(new AuditHandler(new AuditService(_log, TimeProvider.System)), Options.Create(new AdminOptions { RequirePrincipal = requirePrincipal, RequireRoles = requireRoles }));

    /// <summary>A function invocation carrying an HTTP request, as ASP.NET Core integration hands it over (the request context in <c>Items</c>).</summary>
    private static (FunctionContext Context, HttpContext Http) Context(string path, string method = "GET")
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Path = path;
        http.Request.Method = method;
        http.Response.Body = new MemoryStream();
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return (context.Object, http);
    }
}
