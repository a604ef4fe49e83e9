using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>Sources created over the admin API (issue 19): the write key in the creating reply only, collection with it, a new key, deletion, kept across a restart.</summary>
public class SourceApiTests
{
    private static HttpRequestMessage Identify(string writeKey, string userId) => new(HttpMethod.Post, "/api/v1/identify")
    {
        Content = HttpJson.Body($$$"""{"userId":"{{{userId}}}","traits":{"plan":"pro"}}"""),
        Headers = { Authorization = LocalApp.BasicAuth(writeKey) },
    };

    [Fact]
    public async Task ASourceCreatedOverTheApi_CollectsWithTheKeyShownOnce_UntilItGetsANewKeyOrIsDeleted()
    {
        var data = LocalApp.NewDataDirectory();
        string key;
        await using (var app = new LocalApp(data))
        {
            using var client = app.CreateClient();
            using var created = await client.PutAsync("/api/sources/shop", HttpJson.Body("""{"name":"Shop","requestsPerSecond":50,"burst":60}"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("/api/sources/shop", created.Headers.Location!.OriginalString);
            var reply = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
            key = reply["writeKey"]!.GetValue<string>();
            Assert.Equal(("shop", "Shop", "api", 50), (reply["source"]!["id"]!.GetValue<string>(), reply["source"]!["name"]!.GetValue<string>(), reply["source"]!["origin"]!.GetValue<string>(), reply["source"]!["requestsPerSecond"]!.GetValue<int>()));

            using (var collected = await client.SendAsync(Identify(key, "shop-user")))
            {
                Assert.Equal(HttpStatusCode.OK, collected.StatusCode);
            }

            var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:shop-user"), p => p["traits"]?["plan"] is not null);
            Assert.Equal("shop", profile["traits"]!["plan"]!["source"]!.GetValue<string>());

            // The key is never shown again, nor its hash.
            var listed = await client.GetStringAsync("/api/sources");
            Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
            Assert.DoesNotContain(Core.Sources.SourceRegistry.HashWriteKey(key), listed, StringComparison.Ordinal);
            Assert.Equal(["shop", "test"], JsonNode.Parse(listed)!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
            using (var again = await client.PutAsync("/api/sources/shop", HttpJson.Body("""{"name":"Shop (web)"}""")))
            {
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
                Assert.Null((await again.Content.ReadFromJsonAsync<JsonObject>())!["writeKey"]);
            }
        }

        // Kept across a restart, with the same key.
        await using var restarted = new LocalApp(data);
        using var http = restarted.CreateClient();
        Assert.Equal("Shop (web)", (await http.GetFromJsonAsync<JsonObject>("/api/sources/shop"))!["name"]!.GetValue<string>());
        using (var collected = await http.SendAsync(Identify(key, "shop-user-2")))
        {
            Assert.Equal(HttpStatusCode.OK, collected.StatusCode);
        }

        using var rotated = await http.PostAsync("/api/sources/shop/key", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newKey = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!["writeKey"]!.GetValue<string>();
        using (var old = await http.SendAsync(Identify(key, "shop-user-3")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        using (var current = await http.SendAsync(Identify(newKey, "shop-user-3")))
        {
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        }

        using (var deleted = await http.DeleteAsync("/api/sources/shop"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await http.SendAsync(Identify(newKey, "shop-user-4")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        }

        using (var missing = await http.GetAsync("/api/sources/shop"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Fact]
    public async Task BadSettings_Are400NamingEachField_AConfiguredSourceIs409_AndTheRoutesAreAdminOnly()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var bad = await client.PutAsync("/api/sources/shop", HttpJson.Body("""{"name":"","binding":"soon","burst":0}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["binding", "burst", "name"], (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));

        using var badTransform = await client.PutAsync("/api/sources/shop", HttpJson.Body("""{"name":"Shop","transform":[{"op":"coerce","path":"properties.price","to":"money"},{"op":"nope"}]}"""));
        Assert.Equal(["transform[0].to", "transform[1].op"], (await badTransform.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));

        using var configured = await client.PutAsync("/api/sources/test", HttpJson.Body("""{"name":"Mine"}"""));
        Assert.Equal(HttpStatusCode.Conflict, configured.StatusCode);
        using var configuredKey = await client.PostAsync("/api/sources/test/key", null);
        Assert.Equal(HttpStatusCode.Conflict, configuredKey.StatusCode);

        using var anonymous = app.CreateAnonymousClient();
        using var refused = await anonymous.PutAsync("/api/sources/shop", HttpJson.Body("""{"name":"Shop"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain((await client.GetFromJsonAsync<JsonArray>("/api/sources"))!, s => s!["id"]!.GetValue<string>() == "shop");
    }

    [Fact]
    public async Task ASourceWithATransformation_ShapesWhatItCollects_IntoTheProfile()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using var created = await client.PutAsync("/api/sources/crm", HttpJson.Body("""
            {"name":"CRM","transform":[
              {"op":"rename","from":"traits.E_Mail","to":"traits.email"},
              {"op":"trim","path":"traits.email"},
              {"op":"lowercase","path":"traits.email"},
              {"op":"coerce","path":"traits.age","to":"integer"},
              {"op":"set","path":"traits.origin","value":"crm"}]}
            """));
        var key = (await created.Content.ReadFromJsonAsync<JsonObject>())!["writeKey"]!.GetValue<string>();
        Assert.Equal(5, (await client.GetFromJsonAsync<JsonObject>("/api/sources/crm"))!["transform"]!.AsArray().Count);

        using var collected = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/identify")
        {
            Content = HttpJson.Body("""{"userId":"crm-1","traits":{"E_Mail":"  Grace@Example.COM","age":"41"}}"""),
            Headers = { Authorization = LocalApp.BasicAuth(key) },
        });
        Assert.Equal(HttpStatusCode.OK, collected.StatusCode);

        // The identifiers are claimed before the message's traits are written: wait for those.
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=email:grace@example.com"), p => p["traits"]?["origin"] is not null);
        Assert.Equal((41, "crm"), (profile["traits"]!["age"]!["value"]!.GetValue<int>(), profile["traits"]!["origin"]!["value"]!.GetValue<string>()));
        Assert.Null(profile["traits"]!["E_Mail"]);
    }
}
