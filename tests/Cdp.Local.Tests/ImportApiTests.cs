using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary><c>POST /api/imports</c> (issue 20): NDJSON and CSV (gzip too) through collection into profiles, progress, problems named.</summary>
public class ImportApiTests
{
    private static ByteArrayContent Rows(string text, string type, bool gzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (gzip)
        {
            using var packed = new MemoryStream();
            using (var zip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(bytes);
            }

            bytes = packed.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    [Fact]
    public async Task CsvAndGzippedNdjson_BecomeProfiles_WithProgressAndRefusedLinesNamed()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var csv = await client.PostAsync("/api/imports?id=crm-1&source=test", Rows("userId,traits.email,traits.plan\nimp-1,imp1@example.com,pro\nimp-2,imp2@example.com,free\n", "text/csv"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var summary = (await csv.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("done", 2L, 2L, 0L), (summary["state"]!.GetValue<string>(), summary["rowsRead"]!.GetValue<long>(), summary["accepted"]!.GetValue<long>(), summary["rejected"]!.GetValue<long>()));

        using var ndjson = await client.PostAsync("/api/imports?id=events-1&source=test", Rows("{\"type\":\"track\",\"userId\":\"imp-1\",\"event\":\"Bought\"}\n{\"type\":\"track\",\"userId\":\"imp-2\"}\n", "application/x-ndjson", gzip: true));
        var events = (await ndjson.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((1L, 1L), (events["accepted"]!.GetValue<long>(), events["rejected"]!.GetValue<long>()));
        Assert.Equal(2, events["rejections"]![0]!["line"]!.GetValue<long>());

        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=email:imp1@example.com"), p => p["traits"]?["plan"] is not null);
        Assert.Equal("pro", profile["traits"]!["plan"]!["value"]!.GetValue<string>());
        Assert.Equal("done", (await client.GetFromJsonAsync<JsonObject>("/api/imports/crm-1"))!["state"]!.GetValue<string>());

        // The same import again changes nothing.
        using var again = await client.PostAsync("/api/imports?id=crm-1&source=test", Rows("userId,traits.email\nimp-3,imp3@example.com\n", "text/csv"));
        Assert.Equal(2, (await again.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!.GetValue<long>());
    }

    [Fact]
    public async Task BadParameters_Are400NamingEach_AnUnknownImportIs404_AndOnlyAdminsImport()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var bad = await client.PostAsync("/api/imports?id=a%20b&source=nobody", Rows("", "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["id", "source"], (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        using var format = await client.PostAsync("/api/imports?id=x&source=test&format=xml", Rows("", "application/xml"));
        Assert.Equal(["format"], (await format.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
        using var missing = await client.GetAsync("/api/imports/none");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var anonymous = app.CreateAnonymousClient();
        using var refused = await anonymous.PostAsync("/api/imports?id=x&source=test", Rows("{}", "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
