using System.Text;
using System.Text.Json.Nodes;
using System.IO.Compression;
using Cdp.Core;
using Cdp.Core.DeadLetters;
using Cdp.Core.Sources;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Streaming;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http.Tests;

/// <summary>The shared handlers, executed against a plain HttpContext exactly as either host runs them.</summary>
public class HandlerTests
{
    private const string WriteKey = "wk";
    private readonly RecordingStream _stream = new();
    private readonly RecordingDeadLetters _deadLetters = new();
    private readonly ServiceProvider _services;

    public HandlerTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IEventStream>(_stream);
        var stores = new InMemoryStores();
        services.AddSingleton<IIdentityIndex>(stores);
        services.AddSingleton<IProfileStore>(stores);
        services.AddSingleton<IIdentityLedger>(stores);
        services.AddSingleton<IProfileEventStore>(stores);
        services.AddSingleton<IProcessedMessageLog>(stores);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cdp:Sources:0:Id"] = "web",
            ["Cdp:Sources:0:WriteKeySha256"] = SourceRegistry.HashWriteKey(WriteKey),
            ["Cdp:Identity:HashKey"] = TestDomain.HashKey,
        }).Build());
        services.AddSingleton<IDeadLetterStore>(_deadLetters);
        services.AddSingleton<ISourceStore>(new InMemorySourceStore());
        services.AddCdpCore();
        services.AddCdpHttp();
        _services = services.BuildServiceProvider();
    }

    private DefaultHttpContext Context(string body = "", bool chunked = false, string? writeKey = WriteKey, bool gzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(bytes);
            }

            bytes = compressed.ToArray();
        }

        var context = new DefaultHttpContext { RequestServices = _services };
        if (writeKey is not null)
        {
            context.Request.Headers.Authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":"));
        }

        if (gzip)
        {
            context.Request.Headers.ContentEncoding = "gzip";
        }

        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = chunked ? null : bytes.Length;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static async Task<(int Status, JsonObject? Body)> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return (context.Response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject());
    }

    [Fact]
    public async Task Collect_ValidTrack_200SuccessAndPublished()
    {
        var context = Context("""{"anonymousId":"a1","event":"Viewed"}""");
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, body) = await ExecuteAsync(await handler.HandleAsync(context.Request, "track", CancellationToken.None), context);

        Assert.Equal(200, status);
        Assert.True(body!["success"]!.GetValue<bool>());
        Assert.Equal("web", Assert.Single(_stream.Published).SourceId);
    }

    [Fact]
    public async Task Collect_TypeIsCaseInsensitive()
    {
        var context = Context("""{"userId":"u1"}""");
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, _) = await ExecuteAsync(await handler.HandleAsync(context.Request, "Identify", CancellationToken.None), context);

        Assert.Equal(200, status);
        Assert.Equal(MessageType.Identify, Assert.Single(_stream.Published).Type);
    }

    [Fact]
    public async Task Collect_ChunkedBodyOverLimit_413WithoutPublishing()
    {
        var context = Context($$$"""{"userId":"u1","traits":{"x":"{{{new string('x', Cdp.Core.Collect.MessageReader.MaxMessageBytes)}}}"}}""", chunked: true);
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, body) = await ExecuteAsync(await handler.HandleAsync(context.Request, "identify", CancellationToken.None), context);

        Assert.Equal(413, status);
        Assert.Equal(413, body!["status"]!.GetValue<int>());
        Assert.Empty(_stream.Published);
    }

    [Fact]
    public async Task Collect_Invalid_400ListsEveryBadField()
    {
        var context = Context("""{"event":7,"traits":"x"}""");
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, body) = await ExecuteAsync(await handler.HandleAsync(context.Request, "track", CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.Equal(new[] { "event", "traits", "userId" }, body!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Empty(_stream.Published);
        Assert.Equal(_deadLetters.Letters.Keys, body["deadLetters"]!.AsArray().Select(id => id!.GetValue<string>()));
    }

    [Fact]
    public async Task Collect_GzipBatch_IsDecompressed()
    {
        var context = Context("""{"batch":[{"type":"track","userId":"u1","event":"A"},{"type":"page","userId":"u1","name":"Home"}]}""", gzip: true);
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, _) = await ExecuteAsync(await handler.HandleAsync(context.Request, "batch", CancellationToken.None), context);

        Assert.Equal(200, status);
        Assert.Equal([MessageType.Track, MessageType.Page], _stream.Published.Select(m => m.Type));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Collect_UndecodableBodyFromAKnownSource_400NamesBodyAndKeepsTheBytesAsADeadLetter(string encoding)
    {
        var sent = Encoding.UTF8.GetBytes("not gzip at all");
        var context = Context("not gzip at all");
        context.Request.Headers.ContentEncoding = encoding;
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, body) = await ExecuteAsync(await handler.HandleAsync(context.Request, "batch", CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["body"]);
        var letter = Assert.Single(_deadLetters.Letters.Values);
        Assert.Equal(letter.Id, Assert.Single(body["deadLetters"]!.AsArray())!.GetValue<string>());
        Assert.Equal(("web", DeadLetter.CollectStage), (letter.SourceId, letter.Stage));
        Assert.Contains(encoding, letter.Reason, StringComparison.Ordinal);
        Assert.Equal(sent, Convert.FromBase64String(letter.Body));
        Assert.Empty(_stream.Published);
    }

    [Fact]
    public async Task Collect_UndecodableBodyWithoutAKnownWriteKey_400AndNothingKept()
    {
        var context = Context("not gzip at all", writeKey: null);
        context.Request.Headers.ContentEncoding = "gzip";
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, body) = await ExecuteAsync(await handler.HandleAsync(context.Request, "track", CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["body"]);
        Assert.Empty(_deadLetters.Letters);
    }

    [Fact]
    public async Task Collect_UnknownWriteKey_401WithBasicChallenge()
    {
        var context = Context("""{"userId":"u1"}""", writeKey: "wrong");
        var handler = _services.GetRequiredService<CollectHandler>();

        var (status, _) = await ExecuteAsync(await handler.HandleAsync(context.Request, "identify", CancellationToken.None), context);

        Assert.Equal(401, status);
        Assert.StartsWith("Basic", context.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(_stream.Published);
    }

    [Fact]
    public async Task FindProfile_MissingIdentifier_400NamesIdentifier()
    {
        var context = Context();
        var handler = _services.GetRequiredService<ProfileHandler>();

        var (status, body) = await ExecuteAsync(await handler.FindAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["identifier"]);
    }

    [Fact]
    public async Task JourneyPut_UnreadableField_400NamesThePath()
    {
        var context = Context("""{"name":"j","trigger":{"event":"x"},"steps":[{"type":"wait","retries":"many"}]}""");

        var (status, body) = await ExecuteAsync(await new JourneyHandler(null!, null!).PutAsync(context.Request, "j", CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["steps[0].retries"]);
    }

    private sealed class RecordingStream : IEventStream
    {
        public List<Message> Published { get; } = [];

        public Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            Published.AddRange(messages);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingDeadLetters : IDeadLetterStore
    {
        public Dictionary<string, DeadLetter> Letters { get; } = [];

        public Task AddAsync(DeadLetter letter, CancellationToken cancellationToken)
        {
            Letters.TryAdd(letter.Id, letter);
            return Task.CompletedTask;
        }

        public Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Letters.GetValueOrDefault(id));

        public Task<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken) =>
            Task.FromResult(new DeadLetterPage([.. Letters.Values.Where(query.Matches).Take(query.Max)], null));

        public Task RemoveAsync(string id, CancellationToken cancellationToken)
        {
            Letters.Remove(id);
            return Task.CompletedTask;
        }
    }
}
