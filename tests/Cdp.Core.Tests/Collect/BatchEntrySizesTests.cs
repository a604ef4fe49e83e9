using System.Text;
using Cdp.Core.Collect;

namespace Cdp.Core.Tests.Collect;

public class BatchEntrySizesTests
{
    [Fact]
    public void BatchEntries_EachEntryAsSent_WhateverComesBeforeTheBatch()
    {
        var entries = new[] { """{"type":"track","event":"é","properties":{"a":[1,{"b":2}]}}""", "7", """ "x" """.Trim(), "{}" };
        var body = $$"""{"context":{"batch":[1]},"sentAt":"2026-11-28T00:00:00Z","batch":[{{string.Join(" , ", entries)}}],"writeKey":"k"}""";

        var bytes = Encoding.UTF8.GetBytes(body);
        var found = CollectService.BatchEntries(bytes);

        Assert.Equal(entries.Select(e => Encoding.UTF8.GetByteCount(e)), found.Select(e => e.Size));
        Assert.Equal(entries, found.Select(e => Encoding.UTF8.GetString(bytes, e.Start, e.Size)));
    }

    [Theory]
    [InlineData("""{"userId":"u"}""")]
    [InlineData("[1,2]")]
    public void BatchEntries_NoBatch_Empty(string body)
    {
        Assert.Empty(CollectService.BatchEntries(Encoding.UTF8.GetBytes(body)));
    }
}

public class UnicodeTextTests
{
    [Theory]
    [InlineData("""{"a":"plain é ✓ 😀"}""")]
    [InlineData("""{"a":"\ud83d\ude00 and \u00e9"}""")]
    [InlineData("""{"a":"a backslash then u: \\ud800"}""")]
    public void Find_ValidText_Nothing(string json)
    {
        Assert.Null(UnicodeText.Find(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"a":"x\ud800y"}""", 7)]
    [InlineData("""{"a":"\udc00"}""", 6)]
    [InlineData("""{"a":"\ud800\u0041"}""", 6)]
    public void Find_LoneSurrogateEscapes_WhereTheyStart_AndRepairKeepsTheOffsets(string json, int at)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var found = UnicodeText.Find(bytes);

        Assert.Equal([at], found);
        var repaired = UnicodeText.Repaired(bytes, found!);
        Assert.Equal(bytes.Length, repaired.Length);
        Assert.Null(UnicodeText.Find(repaired));
        Assert.Equal(@"\ufffd", Encoding.UTF8.GetString(repaired, at, 6));
    }

    [Fact]
    public void Find_BytesThatAreNotUtf8_EachOne()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"a":"x##y"}""");
        bytes[7] = 0xff;
        bytes[8] = 0xc3; // a lead byte without its continuation

        var found = UnicodeText.Find(bytes);

        Assert.Equal([7, 8], found);
        Assert.Equal("""{"a":"x??y"}""", Encoding.UTF8.GetString(UnicodeText.Repaired(bytes, found!)));
    }
}
