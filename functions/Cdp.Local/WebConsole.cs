using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Cdp.Local;

/// <summary>
/// The web console (console/, a Preact app built by npm into console/dist and copied into this host's output as
/// <c>console/</c>) served at <c>/</c>: static files only, everything from this host (no CDN), the admin API called by
/// the page with the admin token its user signs in with.
/// </summary>
public static class WebConsole
{
    /// <summary>The folder the console is served from.</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "console");

    // The page loads only its own script and style sheet; it is never framed.
    private const string Policy = "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>Compression for the console's files (Brotli or gzip, as the browser accepts).</summary>
    public static IServiceCollection AddCdpConsole(this IServiceCollection services) =>
        services.AddResponseCompression(options =>
        {
            options.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript"];
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });

    public static WebApplication UseCdpConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!File.Exists(Path.Combine(Folder, "index.html")))
        {
            // A build without the console (npm did not run): say how to get it rather than answer 404.
            app.MapGet("/", () => Results.Content(
                "<!doctype html><title>Cdp</title><p>The console is not built. Run <code>scripts/dev.sh</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>console/</code>, then build Cdp.Local again). The API is at <a href=\"/api/reference\">/api/reference</a>.</p>",
                "text/html; charset=utf-8")).ExcludeFromDescription();
            return app;
        }

        var files = new PhysicalFileProvider(Folder);
        // The console's script, style sheet and page compressed (about a third of their size); never the API's replies.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/" + Http.CdpRoutes.Prefix), console => console.UseResponseCompression());
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers["Content-Security-Policy"] = Policy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Hashed asset names change with their content; the page itself is looked at again every time.
                headers[HeaderNames.CacheControl] = context.File.Name == "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
            },
        });
        return app;
    }
}
