using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Privacy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>Erasure through the API on Cdp.Local: the background job runs it to a receipt, and the person stays gone.</summary>
public class ErasureTests
{
    [Fact]
    public async Task DeleteProfile_Returns202WithAStatusUrl_RunsToAReceipt_AndThePersonStaysGone()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using (var segment = await client.PutAsync("/api/segments/pro", HttpJson.Body("""{"name":"Pro","rule":"text(\"plan\") == \"pro\""}""")))
        using (var journey = await client.PutAsync("/api/journeys/pro-care", HttpJson.Body("""
            {"name":"Pro care","trigger":{"segmentEntered":"pro"},"steps":[{"type":"wait","duration":"PT1H"}]}
            """)))
        {
            Assert.True(segment.IsSuccessStatusCode && journey.IsSuccessStatusCode, await journey.Content.ReadAsStringAsync());
        }

        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"e-user","anonymousId":"e-anon","traits":{"email":"erin@example.com","name":"Erin","plan":"pro"}}"""));
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:e-user"), p => p["segments"]?["pro"] is not null);
        var id = profile["id"]!.GetValue<string>();
        var instance = (await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>($"/api/profiles/{id}/journeys"), list => list.Count > 0))[0]!["instanceId"]!.GetValue<string>();

        // At rest, the personal traits are encrypted (the key file is in the data folder).
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "master-key")));
        Assert.DoesNotContain("erin@example.com", StoredProfile(app, id), StringComparison.Ordinal);
        Assert.Equal("erin@example.com", profile["traits"]!["email"]!["value"]!.GetValue<string>());

        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/profiles/{id}");
        request.Headers.Add("X-Cdp-Reason", "ticket 4711");
        using var accepted = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.ToString();
        Assert.StartsWith("/api/privacy/erasures/er_", location, StringComparison.Ordinal);
        var receipt = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonObject>(location), e => e["status"]!.GetValue<string>() == "completed");
        Assert.Equal("ticket 4711", receipt["reason"]!.GetValue<string>());
        Assert.Equal([id], receipt["profileIds"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(3, receipt["identifiersSuppressed"]!.GetValue<int>());
        Assert.Equal(
            ["suppress", "journeys", "events", "ledger", "segments", "deadLetters", "messages", "dataKeys", "profiles"],
            receipt["steps"]!.AsArray().Select(s => s!["step"]!.GetValue<string>()));
        Assert.DoesNotContain("erin@example.com", receipt.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/profiles/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/profiles?identifier=email:erin@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/profiles/{id}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/journeys/instances/{Uri.EscapeDataString(instance)}")).StatusCode);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonObject>("/api/segments/pro"))!["members"]!.GetValue<long>());

        // Asking again returns the receipt; an event for the erased email (from a new device) re-creates nobody: the
        // device's next event (same partition, so after it) finds no profile to join, and no trace of the email.
        using var again = await client.DeleteAsync($"/api/profiles/{id}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"anonymousId":"e-anon-new","traits":{"email":"Erin@Example.com","plan":"pro"}}"""));
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"e-anon-new","userId":"marker","event":"Marker"}"""));
        var device = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:marker"), _ => true);
        Assert.Equal(["anonymous_id:e-anon-new", "user_id:marker"], HttpJson.Identifiers(device));
        Assert.Null(device["traits"]!["email"]);
        Assert.Null(device["counters"]!["events"]!["identify"]);
    }

    [Fact]
    public async Task RequestErasure_ByIdentifier_ValidatesTheBody_AndSuppressesAnUnknownIdentifier()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var bad = await client.PostAsync("/api/privacy/erasures", HttpJson.Body("""{"identifier":"shoe_size:44"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        Assert.NotNull((await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["identifier"]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/privacy/erasures/er_nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/profiles/p_nobody")).StatusCode);

        using var accepted = await client.PostAsync("/api/privacy/erasures", HttpJson.Body("""{"identifier":"email:nora@example.com","reason":"do not track"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var receipt = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonObject>(accepted.Headers.Location!.ToString()), e => e["status"]!.GetValue<string>() == "completed");
        Assert.Equal("identifier:email", receipt["subject"]!.GetValue<string>());
        Assert.Equal("do not track", receipt["reason"]!.GetValue<string>());

        // The message with the suppressed email is dropped whole; the user's next one (same partition) applies alone.
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"nora","traits":{"email":"nora@example.com","plan":"pro"}}"""));
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"nora","event":"Marker"}"""));
        var nora = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:nora"), _ => true);
        Assert.Equal(["user_id:nora"], HttpJson.Identifiers(nora));
        Assert.Null(nora["traits"]!["plan"]);
    }

    /// <summary>An erasure recorded but not run (the host stopped first) is run when the host starts again.</summary>
    [Fact]
    public async Task AnUnfinishedErasure_RunsToItsReceipt_WhenTheHostStartsAgain()
    {
        var data = LocalApp.NewDataDirectory();
        string erasureId, profileId;
        await using (var before = new LocalApp(data))
        {
            using var client = before.CreateClient();
            await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"r-user","traits":{"email":"rae@example.com"}}"""));
            profileId = (await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:r-user"), _ => true))["id"]!.GetValue<string>();
            var erasures = before.Services.GetRequiredService<ErasureService>();
            var requested = (await erasures.RequestForProfileAsync(profileId, "restart test", CancellationToken.None))!.Value;
            erasureId = requested.Erasure.Id;
            await erasures.RunStepAsync(erasureId, ErasureService.Suppress, new Cdp.Testing.RecordingJourneyRuntime(), CancellationToken.None);
        }

        await using var after = new LocalApp(data);
        using var again = after.CreateClient();
        var receipt = await Eventually.GetAsync(() => again.GetFromJsonAsync<JsonObject>($"/api/privacy/erasures/{erasureId}"), e => e["status"]!.GetValue<string>() == "completed");

        Assert.Equal(ErasureService.Steps, receipt["steps"]!.AsArray().Select(s => s!["step"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync($"/api/profiles/{profileId}")).StatusCode);
    }

    /// <summary>
    /// Issue 17, item 14: after an erasure, none of the person's values is left in the data folder's files, in any form
    /// a client sent it (the database, its write-ahead log, free pages), while the host runs and after a clean stop:
    /// deleted rows are zeroed (secure_delete), the write-ahead log is emptied when the erasure completes, the event
    /// log's processed messages of the person are removed, and the erasure's record never held a value.
    /// </summary>
    [Fact]
    public async Task AfterAnErasure_TheDataFolderHoldsNoneOfThePersonsValues_InAnyFormSent()
    {
        string[] forms =
        [
            "sam.smith.7f3a@example.com", "(415) 555-2671", "+1 415 555 2671", "+14155552671", "4155552671",
            "sam-user-7f3a", "sam-device-7f3a", "Sam Smith 7f3a", "Springfield 7f3a",
        ];
        var data = LocalApp.NewDataDirectory();
        await using (var app = new LocalApp(data))
        {
            using var client = app.CreateClient();
            await client.PostAsync("/api/v1/identify", HttpJson.Body("""
                {"userId":"sam-user-7f3a","anonymousId":"sam-device-7f3a","traits":{"email":" Sam.Smith.7f3a@Example.COM ","phone":"(415) 555-2671","name":"Sam Smith 7f3a"}}
                """));
            await client.PostAsync("/api/v1/track", HttpJson.Body("""
                {"userId":"sam-user-7f3a","event":"Moved","properties":{"city":"Springfield 7f3a","contact":"sam.smith.7f3a@example.com","phone":"+1 415 555 2671"}}
                """));
            using (var bad = await client.PostAsync("/api/v1/batch", HttpJson.Body("""
                {"batch":[{"type":"track","anonymousId":"sam-device-7f3a","properties":{"email":"SAM.SMITH.7f3a@example.com","phone":"4155552671"}}]}
                """)))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            }

            var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:sam-user-7f3a"), p => p["counters"]?["events"]?["track:Moved"] is not null);
            Assert.NotEmpty(FormsIn(data, forms));

            using var accepted = await client.DeleteAsync($"/api/profiles/{profile["id"]!.GetValue<string>()}");
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var receipt = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonObject>(accepted.Headers.Location!.ToString()), e => e["status"]!.GetValue<string>() == "completed");
            Assert.Equal(2, receipt["steps"]!.AsArray().Single(s => s!["step"]!.GetValue<string>() == ErasureService.Messages)!["removed"]!.GetValue<int>());
            Assert.Empty(FormsIn(data, forms));
        }

        Assert.Empty(FormsIn(data, forms));
    }

    /// <summary>Which of <paramref name="forms"/> occur (ignoring case) in the bytes of any file under <paramref name="directory"/>, with the file.</summary>
    private static List<string> FormsIn(string directory, string[] forms)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var text = System.Text.Encoding.Latin1.GetString(copy.ToArray());
            found.AddRange(forms.Where(f => text.Contains(f, StringComparison.OrdinalIgnoreCase)).Select(f => $"{f} in {Path.GetFileName(file)}"));
        }

        return found;
    }

    /// <summary>
    /// Issue 17, item 13: an instance enrolled after the erasure's journeys step (a change handled late) is ended and
    /// its record deleted once the profile's deletion reaches the change feed.
    /// </summary>
    [Fact]
    public async Task AnInstanceEnrolledAfterTheJourneysStep_IsEndedByTheDeletion()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using (var journey = await client.PutAsync("/api/journeys/later", HttpJson.Body("""
            {"name":"Later","trigger":{"event":"Poked"},"steps":[{"type":"wait","duration":"PT1H"}]}
            """)))
        {
            Assert.True(journey.IsSuccessStatusCode, await journey.Content.ReadAsStringAsync());
        }

        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"late-user","traits":{"plan":"pro"}}"""));
        var profileId = (await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:late-user"), _ => true))["id"]!.GetValue<string>();
        var erasures = app.Services.GetRequiredService<ErasureService>();
        var runtime = app.Services.GetRequiredService<Cdp.Core.Journeys.IJourneyRuntime>();
        var erasureId = (await erasures.RequestForProfileAsync(profileId, "late enrollment test", CancellationToken.None))!.Value.Erasure.Id;
        await erasures.RunStepAsync(erasureId, ErasureService.Suppress, runtime, CancellationToken.None);
        await erasures.RunStepAsync(erasureId, ErasureService.Journeys, runtime, CancellationToken.None);

        // A change from before the erasure, handled only now, enrolls the person.
        var records = app.Services.GetRequiredService<Cdp.Core.Journeys.IJourneyInstances>();
        var definition = (await app.Services.GetRequiredService<Cdp.Core.Journeys.IJourneyStore>().GetAsync("later", CancellationToken.None))!.Definition;
        var late = Cdp.Core.Journeys.JourneyInstance.IdFor("later", definition.Version, profileId, 1);
        Assert.True(await records.TryCreateAsync(new Cdp.Core.Journeys.JourneyInstance(late, "later", definition.Version, profileId, 1, "event:Poked:1", Cdp.Core.Journeys.JourneyInstanceStatus.Pending, DateTimeOffset.UtcNow), CancellationToken.None));
        Assert.True(await runtime.StartAsync(late, new Cdp.Core.Journeys.JourneyRun(definition, profileId, 1), CancellationToken.None));

        await erasures.RunAsync(erasureId, runtime, CancellationToken.None);

        await Eventually.GetAsync(() => Task.FromResult<JsonObject?>(records.GetAsync("later", late, CancellationToken.None).Result is null ? [] : null), _ => true);
        Assert.Null(await runtime.GetStatusAsync(late, CancellationToken.None));
    }

    /// <summary>The profile's row as stored in the data folder's database.</summary>
    private static string StoredProfile(LocalApp app, string id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "cdp.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT body FROM profiles WHERE id = $id";
        select.Parameters.AddWithValue("$id", id);
        return (string)select.ExecuteScalar()!;
    }
}
