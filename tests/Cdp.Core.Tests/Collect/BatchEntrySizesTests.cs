using System.Text;
using Cdp.Core.Collect;

namespace Cdp.Core.Tests.Collect;

public class BatchEntrySizesTests
{
    [Fact]
    public void BatchEntrySizes_EachEntryAsSent_WhateverComesBeforeTheBatch()
    {
        var entries = new[] { """{"type":"track","event":"é","properties":{"a":[1,{"b":2}]}}""", "7", """ "x" """.Trim(), "{}" };
        var body = $$"""{"context":{"batch":[1]},"sentAt":"2026-11-28T00:00:00Z","batch":[{{string.Join(" , ", entries)}}],"writeKey":"k"}""";

        var sizes = CollectService.BatchEntrySizes(Encoding.UTF8.GetBytes(body));

        Assert.Equal(entries.Select(e => Encoding.UTF8.GetByteCount(e)), sizes);
    }

    [Theory]
    [InlineData("""{"userId":"u"}""")]
    [InlineData("[1,2]")]
    public void BatchEntrySizes_NoBatch_Empty(string body)
    {
        Assert.Empty(CollectService.BatchEntrySizes(Encoding.UTF8.GetBytes(body)));
    }
}
