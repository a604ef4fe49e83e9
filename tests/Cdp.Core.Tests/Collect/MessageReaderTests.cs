using System.Text;
using Cdp.Core.Collect;
using Cdp.Core.Events;

namespace Cdp.Core.Tests.Collect;

public class MessageReaderTests
{
    private static MessageReadResult Read(string json, MessageType type = MessageType.Track) =>
        MessageReader.Read(Encoding.UTF8.GetBytes(json), type);

    [Fact]
    public void Read_ValidTrack_ReturnsMessageWithFields()
    {
        var result = Read("""{"anonymousId":"a1","event":"Viewed","properties":{"sku":"x"},"timestamp":"2026-01-02T03:04:05Z","messageId":"m1"}""");

        Assert.True(result.IsValid);
        var message = result.Message!;
        Assert.Equal("m1", message.MessageId);
        Assert.Equal("a1", message.AnonymousId);
        Assert.Equal("Viewed", message.Event);
        Assert.Equal("x", message.Properties!["sku"]!.GetValue<string>());
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), message.Timestamp);
    }

    [Fact]
    public void Read_MalformedJson_NamesBody()
    {
        var result = Read("""{"anonymousId":"a1",""");

        Assert.False(result.IsValid);
        Assert.Contains("body", result.Errors.Keys);
    }

    [Fact]
    public void Read_NotAnObject_NamesBody()
    {
        Assert.Equal(["body"], Read("[1,2]").Errors.Keys);
    }

    [Fact]
    public void Read_NoIdentifier_NamesUserId()
    {
        var result = Read("""{"event":"Viewed"}""");

        Assert.Equal(["userId"], result.Errors.Keys);
    }

    [Fact]
    public void Read_BlankIdentifiers_CountAsAbsent()
    {
        Assert.Contains("userId", Read("""{"userId":"  ","anonymousId":"","event":"E"}""").Errors.Keys);
    }

    [Fact]
    public void Read_TrackWithoutEvent_NamesEvent()
    {
        Assert.Equal(["event"], Read("""{"userId":"u1"}""").Errors.Keys);
    }

    [Fact]
    public void Read_IdentifyWithoutEvent_IsValid()
    {
        Assert.True(Read("""{"userId":"u1","traits":{"plan":"pro"}}""", MessageType.Identify).IsValid);
    }

    [Fact]
    public void Read_WrongTypes_NamesEveryBadField()
    {
        var result = Read("""{"userId":true,"anonymousId":"a","event":3,"traits":[],"properties":"p","context":1,"timestamp":"yesterday","sentAt":5,"messageId":7,"integrations":[]}""");

        Assert.Equal(
            new[] { "context", "event", "integrations", "messageId", "properties", "sentAt", "timestamp", "traits", "userId" },
            result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_NullIdentifier_CountsAsAbsent()
    {
        var message = Read("""{"userId":"u1","anonymousId":null,"event":"E"}""").Message!;

        Assert.Null(message.AnonymousId);
    }

    [Fact]
    public void Read_NumericUserId_IsReadAsString()
    {
        Assert.Equal("42", Read("""{"userId":42,"event":"E"}""").Message!.UserId);
    }

    [Fact]
    public void Read_TypeFieldDisagreesWithEndpoint_NamesType()
    {
        Assert.Equal(["type"], Read("""{"type":"identify","userId":"u","event":"E"}""").Errors.Keys);
    }
}
