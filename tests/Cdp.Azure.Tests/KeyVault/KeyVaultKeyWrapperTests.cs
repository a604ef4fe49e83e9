using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Cdp.Azure.KeyVault;
using Cdp.Core.Privacy;
using Cdp.Testing.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cdp.Azure.Tests.KeyVault;

/// <summary>
/// The Key Vault key wrapper over the wire, against a local fake of the vault's <c>wrapkey</c> and <c>unwrapkey</c>
/// operations (HTTPS with a self-signed certificate, RSA-OAEP-256 with a real RSA key per version, a bearer token
/// required): wrap and unwrap, a key rotated in the vault, a version disabled, the token's audience, a refusal.
/// </summary>
public sealed class KeyVaultKeyWrapperTests : IDisposable
{
    private readonly FakeKeyVault _vault = new();

    public void Dispose() => _vault.Dispose();

    private KeyVaultKeyWrapper Wrapper() => new(new Uri(_vault.Url, "keys/cdp-master"), new FixedToken(), _vault.Options());

    [Fact]
    public async Task WrapsWithTheCurrentVersion_AndUnwrapsWithTheVersionThatWrapped_AfterTheKeyIsRotated()
    {
        var wrapper = Wrapper();
        var key = RandomNumberGenerator.GetBytes(32);

        var first = await wrapper.WrapAsync(key, CancellationToken.None);
        _vault.Rotate();
        var second = await wrapper.WrapAsync(key, CancellationToken.None);

        Assert.Equal(new Uri(_vault.Url, "keys/cdp-master/v1").AbsoluteUri, first.KeyId);
        Assert.Equal(new Uri(_vault.Url, "keys/cdp-master/v2").AbsoluteUri, second.KeyId);
        Assert.NotEqual(key, first.Value);
        Assert.Equal(key, await wrapper.UnwrapAsync(first, CancellationToken.None));
        Assert.Equal(key, await wrapper.UnwrapAsync(second, CancellationToken.None));
        Assert.All(_vault.Requests, r => Assert.Equal("Bearer vault-token", r.Authorization));
        Assert.Equal(["get", "wrapkey", "get", "wrapkey", "unwrapkey", "unwrapkey"], _vault.Requests.Select(r => r.Operation));
    }

    [Fact]
    public async Task ADisabledVersion_IsRefused_WithTheVaultsError()
    {
        var wrapper = Wrapper();
        var wrapped = await wrapper.WrapAsync(RandomNumberGenerator.GetBytes(32), CancellationToken.None);
        _vault.Disable("v1");

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => wrapper.UnwrapAsync(wrapped, CancellationToken.None));

        Assert.Equal(403, refused.Status);
    }

    [Fact]
    public async Task AWrappedKeyOfAnotherKey_IsNotSentToTheVault()
    {
        var wrapper = Wrapper();

        await Assert.ThrowsAsync<InvalidOperationException>(() => wrapper.UnwrapAsync(new WrappedKey("https://other.vault.azure.net/keys/x/v1", [1]), CancellationToken.None));

        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task MasterKeys_OverTheVault_CallItOnlyForTheirGenerations_NotPerDataKey()
    {
        var store = new InMemoryPrivacy();
        using var keys = new MasterKeys(store, Options.Create(new PrivacyOptions()), Wrapper());
        for (var i = 0; i < 20; i++)
        {
            var wrapped = await keys.WrapAsync($"p{i}", RandomNumberGenerator.GetBytes(32), CancellationToken.None);
            await keys.UnwrapAsync($"p{i}", wrapped, CancellationToken.None);
        }

        // The first generation: wrapped once (its version read first), read back once.
        Assert.Equal(3, _vault.Requests.Count);
    }

    [Theory]
    [InlineData("https://cdp.vault.azure.net/keys/k", "https://vault.azure.net/.default")]
    [InlineData("https://cdp.vault.azure.cn/keys/k", "https://vault.azure.cn/.default")]
    [InlineData("https://cdp.managedhsm.azure.net/keys/k", "https://managedhsm.azure.net/.default")]
    public void TheTokensAudience_IsTheVaultsCloud(string key, string scope) =>
        Assert.Equal(scope, KeyVaultKeyWrapper.ScopeOf(new Uri(key)));

    private sealed class FixedToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new("vault-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
    }

    /// <summary>
    /// The Key Vault operations Cdp calls, over HTTPS on a loopback port: <c>GET keys/{name}</c> (the current version),
    /// <c>POST keys/{name}/{version}/wrapkey</c> and <c>unwrapkey</c> (<c>api-version</c> 7.4, <c>{"alg":"RSA-OAEP-256","value":base64url}</c>, the answer with
    /// <c>kid</c>), each version an RSA key; a disabled version answers 403 as the vault does.
    /// </summary>
    private sealed class FakeKeyVault : IDisposable
    {
        private readonly WebApplication _server;
        private readonly X509Certificate2 _certificate;
        private readonly ConcurrentDictionary<string, RSA> _versions = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, bool> _disabled = new(StringComparer.Ordinal);
        private string _current = "v1";

        public FakeKeyVault()
        {
            _versions["v1"] = RSA.Create(2048);
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
            _server = builder.Build();
            _server.MapGet("/keys/{name}", (string name, HttpRequest request) =>
            {
                Requests.Enqueue(("get", request.Headers.Authorization.ToString()));
                return request.Headers.Authorization.ToString() == "Bearer vault-token"
                    ? Results.Json(new { key = new { kid = new Uri(Url!, $"keys/{name}/{_current}").AbsoluteUri, kty = "RSA", key_ops = new[] { "wrapKey", "unwrapKey" } } })
                    : Results.StatusCode(401);
            });
            _server.MapPost("/keys/{name}/{version}/{operation}", (string name, string version, string operation, HttpRequest request) => HandleAsync(name, version, operation, request));
            _server.StartAsync().GetAwaiter().GetResult();
            Url = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("127.0.0.1", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/");
        }

        public Uri Url { get; }

        public ConcurrentQueue<(string Operation, string? Authorization)> Requests { get; } = new();

        public void Rotate()
        {
            _current = $"v{_versions.Count + 1}";
            _versions[_current] = RSA.Create(2048);
        }

        public void Disable(string version) => _disabled[version] = true;

        /// <summary>Pipeline options whose transport trusts this vault's self-signed certificate (and retries nothing).</summary>
        public KeyVaultWrapperOptions Options()
        {
            var options = new KeyVaultWrapperOptions { Transport = new HttpClientTransport(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate.Thumbprint }) };
            options.Retry.MaxRetries = 0;
            return options;
        }

        public void Dispose()
        {
            _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _certificate.Dispose();
            foreach (var rsa in _versions.Values)
            {
                rsa.Dispose();
            }
        }

        private async Task<IResult> HandleAsync(string name, string version, string operation, HttpRequest request)
        {
            Requests.Enqueue((operation, request.Headers.Authorization.ToString()));
            if (request.Query["api-version"] != KeyVaultKeyWrapper.ApiVersion || request.Headers.Authorization.ToString() != "Bearer vault-token")
            {
                return Results.StatusCode(401);
            }

            var body = (await JsonNode.ParseAsync(request.Body))!;
            if (body["alg"]?.GetValue<string>() != KeyVaultKeyWrapper.Algorithm)
            {
                return Results.BadRequest();
            }

            var used = version;
            if (_disabled.ContainsKey(used) || !_versions.TryGetValue(used, out var rsa))
            {
                return Results.Json(new { error = new { code = "Forbidden", message = $"Operation {operation} is not permitted on key version {used}." } }, statusCode: 403);
            }

            var value = System.Buffers.Text.Base64Url.DecodeFromChars(body["value"]!.GetValue<string>());
            var answer = operation switch
            {
                "wrapkey" => rsa.Encrypt(value, RSAEncryptionPadding.OaepSHA256),
                "unwrapkey" => rsa.Decrypt(value, RSAEncryptionPadding.OaepSHA256),
                _ => null,
            };
            return answer is null
                ? Results.NotFound()
                : Results.Json(new { kid = new Uri(Url, $"keys/{name}/{used}").AbsoluteUri, value = System.Buffers.Text.Base64Url.EncodeToString(answer) }, JsonSerializerOptions.Web);
        }
    }
}
