using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cdp.Embedded;
using Microsoft.Data.Sqlite;

namespace Cdp.Local.Tests;

/// <summary>
/// Master key rotation on Cdp.Local over HTTP (issue 21 #7): a person's personal values are stored encrypted; a rotation
/// adds a generation, the rewrap pass moves the data keys onto it, and after a restart the values read back; data keys
/// a previous release wrapped with the key file directly are read, and moved too.
/// </summary>
public class MasterKeyTests
{
    private static async Task<JsonObject> PersonAsync(HttpClient client, string userId) =>
        await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/profiles?identifier=user_id:{userId}"), p => p["traits"]?["email"] is not null);

    private static async Task<List<JsonObject>> RewrapAllAsync(HttpClient client)
    {
        var pages = new List<JsonObject>();
        string? after = null;
        do
        {
            using var response = await client.PostAsync($"/api/privacy/master-keys/rewrap?limit=1{(after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after))}", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            pages.Add(page);
            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);
        return pages;
    }

    /// <summary>The generation each data key names (0: wrapped by the key file directly), from the database.</summary>
    private static Dictionary<string, int> Generations(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "cdp.db")};Pooling=false");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT profile_id, wrapped FROM data_keys";
        using var reader = select.ExecuteReader();
        var generations = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var wrapped = (byte[])reader.GetValue(1);
            generations[reader.GetString(0)] = wrapped.Length == 65 && wrapped[0] == 2 ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(wrapped.AsSpan(1)) : 0;
        }

        return generations;
    }

    [Fact]
    public async Task ARotation_AndItsRewrapPass_MoveEveryDataKeyOntoTheNewGeneration_AndValuesReadBackAfterARestart()
    {
        var data = LocalApp.NewDataDirectory();
        try
        {
            string profileId;
            await using (var app = new LocalApp(data))
            {
                using var client = app.CreateClient();
                await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"mk-ada","traits":{"email":"ada@example.com"}}"""));
                profileId = (await PersonAsync(client, "mk-ada"))["id"]!.GetValue<string>();
                Assert.Equal(1, Generations(data)[profileId]);

                using var rotated = await client.PostAsync("/api/privacy/master-keys", null);
                Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
                var rotation = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!;
                Assert.Equal(2, rotation["generation"]!.GetValue<int>());
                Assert.Equal("file:master-key", rotation["keyId"]!.GetValue<string>());

                var pass = await RewrapAllAsync(client);
                Assert.Equal(1, pass.Sum(p => p["rewrapped"]!.GetValue<int>()));
                Assert.All(await RewrapAllAsync(client), p => Assert.Equal(0, p["rewrapped"]!.GetValue<int>()));
            }

            Assert.Equal(2, Generations(data)[profileId]);
            // The master keys themselves are stored wrapped: no generation's key appears in clear in the database.
            Assert.Equal(2, Generations(data).Keys.Count(k => k.StartsWith("~master~", StringComparison.Ordinal)));

            await using var restarted = new LocalApp(data);
            using var again = restarted.CreateClient();
            var person = await PersonAsync(again, "mk-ada");
            Assert.Equal("ada@example.com", person["traits"]!["email"]!["value"]!.GetValue<string>());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task DataKeysOfAPreviousRelease_WrappedByTheKeyFileDirectly_AreRead_AndRewrapped()
    {
        var data = LocalApp.NewDataDirectory();
        try
        {
            string profileId;
            await using (var app = new LocalApp(data))
            {
                using var client = app.CreateClient();
                await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"mk-bo","traits":{"email":"bo@example.com"}}"""));
                profileId = (await PersonAsync(client, "mk-bo"))["id"]!.GetValue<string>();
            }

            SqliteConnection.ClearAllPools();

            // As a previous release stored it: the same data key, sealed with the key file's key and no generation.
            var master = Convert.FromBase64String(File.ReadAllText(Path.Combine(data, EmbeddedServiceCollectionExtensions.MasterKeyFile)).Trim());
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "cdp.db")};Pooling=false"))
            {
                connection.Open();
                using var read = connection.CreateCommand();
                read.CommandText = "SELECT wrapped FROM data_keys WHERE profile_id = $id";
                read.Parameters.AddWithValue("$id", profileId);
                var current = (byte[])read.ExecuteScalar()!;
                var generation1 = Convert.FromBase64String(System.Text.Json.JsonDocument.Parse((byte[])Select(connection, "~master~000001")).RootElement.GetProperty("Value").GetString()!);
                using var fileKey = new System.Security.Cryptography.AesGcm(master, 16);
                var kek = Core.Privacy.Sealing.Open(fileKey, System.Text.Encoding.UTF8.GetBytes("cdp-master-key"), generation1);
                using var byGeneration = new System.Security.Cryptography.AesGcm(kek, 16);
                var associated = System.Text.Encoding.UTF8.GetBytes("cdp-data-key\n" + profileId);
                var dataKey = Core.Privacy.Sealing.Open(byGeneration, associated, current[5..]);
                using var legacy = new System.Security.Cryptography.AesGcm(master, 16);
                using var write = connection.CreateCommand();
                write.CommandText = "UPDATE data_keys SET wrapped = $wrapped WHERE profile_id = $id";
                write.Parameters.AddWithValue("$id", profileId);
                write.Parameters.AddWithValue("$wrapped", Core.Privacy.Sealing.Seal(legacy, associated, dataKey));
                write.ExecuteNonQuery();
            }

            await using var restarted = new LocalApp(data);
            using var again = restarted.CreateClient();
            Assert.Equal(0, Generations(data)[profileId]);
            Assert.Equal("bo@example.com", (await PersonAsync(again, "mk-bo"))["traits"]!["email"]!["value"]!.GetValue<string>());
            Assert.Equal(1, (await RewrapAllAsync(again)).Sum(p => p["rewrapped"]!.GetValue<int>()));
            Assert.Equal(1, Generations(data)[profileId]);
            Assert.Equal("bo@example.com", (await PersonAsync(again, "mk-bo"))["traits"]!["email"]!["value"]!.GetValue<string>());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }

        static object Select(SqliteConnection connection, string id)
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT wrapped FROM data_keys WHERE profile_id = $id";
            select.Parameters.AddWithValue("$id", id);
            return select.ExecuteScalar()!;
        }
    }

    [Fact]
    public async Task ADestinationSecretSealedByAPreviousRelease_IsUsed_AndSealedAgainUnderTheDestinationsKey_WhenTheDestinationIsSaved()
    {
        using var segment = new Cdp.Testing.SegmentFake("right-key");
        var data = LocalApp.NewDataDirectory();
        var destination = $$$"""{"name":"Warehouse","type":"segment","settings":{"endpoint":"{{{segment.Endpoint}}}"},"events":{}}""";
        try
        {
            await using (var app = new LocalApp(data))
            {
                using var client = app.CreateClient();
                using var created = await client.PutAsync("/api/destinations/warehouse", HttpJson.Body(destination.Replace("\"events\"", "\"secrets\":{\"writeKey\":\"right-key\"},\"events\"", StringComparison.Ordinal)));
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            // As a previous release sealed it: directly with the key file's key.
            SqliteConnection.ClearAllPools();
            var master = Convert.FromBase64String(File.ReadAllText(Path.Combine(data, EmbeddedServiceCollectionExtensions.MasterKeyFile)).Trim());
            using (var aes = new System.Security.Cryptography.AesGcm(master, 16))
            {
                var legacy = Core.Destinations.DestinationSecrets.LegacyPrefix + System.Buffers.Text.Base64Url.EncodeToString(Core.Privacy.Sealing.Seal(
                    aes, System.Text.Encoding.UTF8.GetBytes("cdp-destination-secret\nwarehouse\nwriteKey"), System.Text.Encoding.UTF8.GetBytes("right-key")));
                Assert.Equal(1, Execute(data, "UPDATE destinations SET body = json_set(body, '$.secrets.writeKey', $legacy) WHERE id = 'warehouse'", legacy));
            }

            await using var restarted = new LocalApp(data);
            using var again = restarted.CreateClient();
            using var saved = await again.PutAsync("/api/destinations/warehouse", HttpJson.Body(destination));
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.Equal(0, Execute(data, "SELECT 1 FROM destinations WHERE body LIKE '%sealed:v1:%'", null));
            Assert.Equal(1, Execute(data, "SELECT 1 FROM destinations WHERE body LIKE '%sealed:v2:%'", null));

            using var sent = await again.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"u1","event":"Signed Up","messageId":"mk-1"}"""));
            await Eventually.GetAsync(() => Task.FromResult<object?>(segment.Messages.ContainsKey("mk-1") ? segment : null), _ => true);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }

        static int Execute(string data, string sql, string? legacy)
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "cdp.db")};Pooling=false");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            if (legacy is not null)
            {
                command.Parameters.AddWithValue("$legacy", legacy);
                return command.ExecuteNonQuery();
            }

            return command.ExecuteScalar() is null ? 0 : 1;
        }
    }
}
