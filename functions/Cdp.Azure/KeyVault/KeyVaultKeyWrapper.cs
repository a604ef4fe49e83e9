using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Cdp.Core.Privacy;

namespace Cdp.Azure.KeyVault;

/// <summary>
/// The Function App's key wrapper: a Key Vault key's <c>wrapKey</c> and <c>unwrapKey</c> operations (RSA-OAEP-256),
/// called over REST through Azure.Core's pipeline (retries, the managed identity's bearer token for the vault's
/// audience), so the key never leaves the vault. A wrap reads the key's current version first (<c>GET keys/{name}</c>)
/// and wraps with it; an unwrap goes to the version that wrapped (the <c>kid</c> kept with the wrapped key). Only the master keys are
/// wrapped by it (<see cref="MasterKeys"/>): a handful of calls per process, none per event.
/// </summary>
public sealed class KeyVaultKeyWrapper : IKeyWrapper
{
    public const string ApiVersion = "7.4";
    public const string Algorithm = "RSA-OAEP-256";

    private readonly HttpPipeline _pipeline;
    private readonly Uri _key;

    /// <param name="keyUri">The key, without a version: <c>https://{vault}.vault.azure.net/keys/{name}</c>.</param>
    public KeyVaultKeyWrapper(Uri keyUri, TokenCredential credential, ClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keyUri);
        ArgumentNullException.ThrowIfNull(credential);
        _key = new Uri(keyUri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        _pipeline = HttpPipelineBuilder.Build(options ?? new KeyVaultWrapperOptions(), new BearerTokenAuthenticationPolicy(credential, ScopeOf(_key)));
    }

    public string KeyName => _key.ToString();

    /// <summary>Reads the key's current version (<c>GET keys/{name}</c>), then wraps with it.</summary>
    public async Task<WrappedKey> WrapAsync(byte[] key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var current = await SendAsync(RequestMethod.Get, _key, null, cancellationToken);
        var version = current.RootElement.GetProperty("key").GetProperty("kid").GetString() ?? throw new InvalidOperationException($"Key Vault named no version of '{_key}'.");
        var (kid, value) = await CallAsync(new Uri(version), "wrapkey", key, cancellationToken);
        return new WrappedKey(kid, value);
    }

    public async Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        var version = new Uri(wrapped.KeyId);
        if (!version.AbsoluteUri.StartsWith(_key.AbsoluteUri + "/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"A master key is wrapped by '{wrapped.KeyId}', not by a version of '{_key}'.");
        }

        return (await CallAsync(version, "unwrapkey", wrapped.Value, cancellationToken)).Value;
    }

    /// <summary>The token audience of the vault's cloud: <c>https://vault.azure.net/.default</c> for <c>*.vault.azure.net</c>, and so on.</summary>
    internal static string ScopeOf(Uri key) => $"https://{key.Host[(key.Host.IndexOf('.', StringComparison.Ordinal) + 1)..]}/.default";

    private async Task<(string Kid, byte[] Value)> CallAsync(Uri version, string operation, byte[] value, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { alg = Algorithm, value = Base64Url(value) });
        using var answer = await SendAsync(RequestMethod.Post, new Uri($"{version.AbsoluteUri.TrimEnd('/')}/{operation}"), body, cancellationToken);
        var kid = answer.RootElement.TryGetProperty("kid", out var k) && k.GetString() is { Length: > 0 } named ? named : version.AbsoluteUri;
        return (kid, FromBase64Url(answer.RootElement.GetProperty("value").GetString() ?? string.Empty));
    }

    /// <summary>One call to the vault; an answer other than 200 throws the vault's error (<see cref="RequestFailedException"/>).</summary>
    private async Task<JsonDocument> SendAsync(RequestMethod method, Uri target, byte[]? body, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(new Uri($"{target.AbsoluteUri}?api-version={ApiVersion}"));
        if (body is not null)
        {
            request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
            request.Content = RequestContent.Create(body);
        }

        await _pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        return response.Status == 200 ? JsonDocument.Parse(response.Content.ToMemory()) : throw new RequestFailedException(response);
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] FromBase64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}

/// <summary>The pipeline's options (retries, diagnostics) for <see cref="KeyVaultKeyWrapper"/>.</summary>
public sealed class KeyVaultWrapperOptions : ClientOptions;
