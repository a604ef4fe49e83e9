using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Cdp.Core.Privacy;

namespace Cdp.Azure.KeyVault;

/// <summary>
/// The Function App's key wrapper: a Key Vault key's <c>wrapKey</c> and <c>unwrapKey</c> operations (RSA-OAEP-256),
/// called over REST through Azure.Core's pipeline (retries, the managed identity's bearer token for the vault's
/// audience), so the key never leaves the vault. Wraps go to the key without a version (the vault uses its current
/// version and names it in the answer's <c>kid</c>); unwraps go to the version that wrapped. Only the master keys are
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

    public async Task<WrappedKey> WrapAsync(byte[] key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (kid, value) = await CallAsync(_key, "wrapkey", key, cancellationToken);
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

    private async Task<(string Kid, byte[] Value)> CallAsync(Uri target, string operation, byte[] value, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(new Uri($"{target.AbsoluteUri.TrimEnd('/')}/{operation}?api-version={ApiVersion}"));
        request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
        request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new { alg = Algorithm, value = Base64Url(value) }));
        await _pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw new RequestFailedException(response);
        }

        using var answer = JsonDocument.Parse(response.Content.ToMemory());
        var kid = answer.RootElement.TryGetProperty("kid", out var k) && k.GetString() is { Length: > 0 } named ? named : target.AbsoluteUri;
        return (kid, FromBase64Url(answer.RootElement.GetProperty("value").GetString() ?? string.Empty));
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] FromBase64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}

/// <summary>The pipeline's options (retries, diagnostics) for <see cref="KeyVaultKeyWrapper"/>.</summary>
public sealed class KeyVaultWrapperOptions : ClientOptions;
