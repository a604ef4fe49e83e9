using System.Text;
using Cdp.Core.Collect;
using Cdp.Core.DeadLetters;
using Cdp.Core.Importing;
using Cdp.Core.Sources;
using Cdp.Testing;
using Cdp.Testing.InMemory;

namespace Cdp.Embedded.Tests.Collect;

/// <summary>Bulk import (issue 20): rows into collection with line-numbered rejections, idempotent per row, resumable.</summary>
public sealed class ImportServiceTests : IDisposable
{
    private readonly EmbeddedStore _store = new(partitions: 1);
    private readonly SourceRegistry _sources = TestDomain.Sources([new SourceDefinition { Id = "crm", Name = "CRM", WriteKeySha256 = SourceRegistry.HashWriteKey("crm-key") }]);
    private readonly InMemoryImportStore _imports = new();

    public void Dispose()
    {
        _sources.Dispose();
        _store.Dispose();
    }

    private ImportService Service => new(_store.Collect(_sources), _sources, _imports, _store.Time);

    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<List<Core.Events.Message>> LoggedAsync() =>
        [.. (await _store.Log.ReadAsync("test", 0, 100_000, CancellationToken.None)).Messages];

    [Fact]
    public async Task Ndjson_RowsAreCollected_AndEachRefusedRowIsNamedByItsLine_AndKeptAsADeadLetter()
    {
        var outcome = await Service.RunAsync("n1", "crm", ImportFormat.Ndjson, Body("""
            {"type":"identify","userId":"u1","traits":{"plan":"pro"}}
            not json

            {"type":"track","userId":"u2"}
            {"type":"track","userId":"u3","event":"Bought","messageId":"m-3"}
            """), CancellationToken.None);

        var status = Assert.IsType<ImportStatus>(outcome.Status);
        Assert.Equal((ImportState.Done, 4L, 2L, 2L, 5L), (status.State, status.RowsRead, status.Accepted, status.Rejected, status.LinesDone));
        Assert.Equal([2L, 4L], status.Rejections.Select(r => r.Line));
        Assert.StartsWith("row: Not JSON", status.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("event:", status.Rejections[1].Reason, StringComparison.Ordinal);
        Assert.Equal(["import-n1-1", "m-3"], (await LoggedAsync()).Select(m => m.MessageId));
        Assert.Equal(2, (await _store.DeadLetters.ListAsync(10, CancellationToken.None)).Count);
        Assert.Equal(status, await Service.GetAsync("n1", CancellationToken.None));
    }

    [Fact]
    public async Task Csv_HeaderNamesTheFields_TypeDefaultsToIdentify_AndUnknownColumnsAreRefused()
    {
        var outcome = await Service.RunAsync("c1", "crm", ImportFormat.Csv, Body("""
            userId,traits.email,traits.address.city,type,event
            u1,ada@example.com,"London, UK",,
            u2,,,track,Signed Up

            """), CancellationToken.None);

        Assert.Equal((2L, 0L), (outcome.Status!.Accepted, outcome.Status.Rejected));
        var messages = await LoggedAsync();
        Assert.Equal("London, UK", messages[0].Traits!["address"]!["city"]!.GetValue<string>());
        Assert.Equal(("import-c1-2", Core.Events.MessageType.Identify), (messages[0].MessageId, messages[0].Type));
        Assert.Equal(("Signed Up", "import-c1-3"), (messages[1].Event, messages[1].MessageId));

        var odd = await Service.RunAsync("c2", "crm", ImportFormat.Csv, Body("userId,shoeSize\nu9,42\n"), CancellationToken.None);
        Assert.Equal((0L, 1L), (odd.Status!.Accepted, odd.Status.Rejected));
        Assert.Contains("Unknown columns: shoeSize", odd.Status.Rejections[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInterruptedImport_SentAgain_ResumesAfterTheLastChunkDone_AndAFinishedOneChangesNothing()
    {
        var rows = string.Join("\n", Enumerable.Range(1, 2500).Select(i => $$"""{"type":"track","userId":"u{{i}}","event":"E"}"""));
        var bytes = Encoding.UTF8.GetBytes(rows);

        // The connection drops after about 1,600 rows: the first chunk of 1,000 is done, the rest is not.
        await Assert.ThrowsAsync<IOException>(() => Service.RunAsync("r1", "crm", ImportFormat.Ndjson, new FailingStream(bytes, bytes.Length * 16 / 25), CancellationToken.None));
        var interrupted = (await Service.GetAsync("r1", CancellationToken.None))!;
        Assert.Equal((ImportState.Running, 1000L, 1000L), (interrupted.State, interrupted.LinesDone, interrupted.Accepted));

        var resumed = (await Service.RunAsync("r1", "crm", ImportFormat.Ndjson, new MemoryStream(bytes), CancellationToken.None)).Status!;
        Assert.Equal((ImportState.Done, 2500L, 2500L, 1), (resumed.State, resumed.Accepted, resumed.RowsRead, resumed.Resumes));
        var again = (await Service.RunAsync("r1", "crm", ImportFormat.Ndjson, new MemoryStream(bytes), CancellationToken.None)).Status!;
        Assert.Equal(resumed, again);

        var logged = await LoggedAsync();
        Assert.Equal(2500, logged.Count);
        Assert.Equal(2500, logged.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task BadParameters_AreNamed_AndAnImportStaysWithItsSource()
    {
        var bad = await Service.RunAsync("no spaces", "nobody", ImportFormat.Ndjson, Body(""), CancellationToken.None);
        Assert.Equal(["id", "source"], bad.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Null(bad.Status);

        await Service.RunAsync("s1", "crm", ImportFormat.Ndjson, Body("""{"type":"identify","userId":"u1"}"""), CancellationToken.None);
        using var other = TestDomain.Sources([new SourceDefinition { Id = "crm", WriteKeySha256 = SourceRegistry.HashWriteKey("crm-key") }, new SourceDefinition { Id = "shop", WriteKeySha256 = SourceRegistry.HashWriteKey("shop-key") }]);
        var moved = await new ImportService(_store.Collect(other), other, _imports, _store.Time).RunAsync("s1", "shop", ImportFormat.Ndjson, Body(""), CancellationToken.None);
        Assert.Equal(["source"], moved.Errors.Keys);
    }

    /// <summary>
    /// Two requests running one import: the one overtaken stops with a contention (the API's 409) at its next save. A
    /// chunk it handed on before that save is on the log twice, as the same messages (ingest applies each once), as
    /// after a crash between a chunk and its save.
    /// </summary>
    [Fact]
    public async Task AnImportOvertakenByASecondRequest_StopsWithAContention_AndEveryRowStaysOneMessage()
    {
        var rows = string.Join("\n", Enumerable.Range(1, 1500).Select(i => $$"""{"type":"track","userId":"u{{i}}","event":"E"}"""));
        var bytes = Encoding.UTF8.GetBytes(rows);
        var held = new GatedStream(bytes, bytes.Length * 3 / 4);
        var first = Service.RunAsync("c1", "crm", ImportFormat.Ndjson, held, CancellationToken.None);
        await held.Reached.Task; // the first has saved its first 1,000 rows and is reading on

        var second = await Service.RunAsync("c1", "crm", ImportFormat.Ndjson, new MemoryStream(bytes), CancellationToken.None);
        held.Open.SetResult();

        await Assert.ThrowsAsync<Core.ContentionException>(() => first);
        Assert.Equal((ImportState.Done, 1500L), (second.Status!.State, second.Status.Accepted));
        var logged = await LoggedAsync();
        Assert.Equal(1500, logged.Select(m => m.MessageId).Distinct().Count());
        Assert.All(logged, m => Assert.StartsWith("import-c1-", m.MessageId, StringComparison.Ordinal));
    }

    /// <summary>A body that stops at <paramref name="gateAt"/> bytes until <see cref="Open"/> is set.</summary>
    private sealed class GatedStream(byte[] bytes, int gateAt) : Stream
    {
        private int _position;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == gateAt)
            {
                Reached.TrySetResult();
                await Open.Task;
            }

            var end = _position < gateAt ? gateAt : bytes.Length;
            var taken = Math.Min(buffer.Length, end - _position);
            bytes.AsMemory(_position, taken).CopyTo(buffer);
            _position += taken;
            return taken;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A body whose connection drops after <paramref name="failAt"/> bytes.</summary>
    private sealed class FailingStream(byte[] bytes, int failAt) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAt)
            {
                throw new IOException("The connection dropped.");
            }

            var taken = Math.Min(count, failAt - _position);
            Array.Copy(bytes, _position, buffer, offset, taken);
            _position += taken;
            return taken;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
