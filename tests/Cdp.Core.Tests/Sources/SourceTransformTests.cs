using System.Text.Json.Nodes;
using Cdp.Core.Sources;

namespace Cdp.Core.Tests.Sources;

/// <summary>A source's transformation (issue 20): each step on a message, refusals and filters, and the checks made when it is saved.</summary>
public sealed class SourceTransformTests
{
    private static TransformStep Step(string op, string? path = null, string? from = null, string? to = null, string? value = null, params string[] values) =>
        new() { Op = op, Path = path, From = from, To = to, Value = value, In = values.Length > 0 ? [.. values] : null };

    [Fact]
    public void Steps_MapRenameDropSetCoerceAndNormalize_InOrder()
    {
        var message = JsonNode.Parse("""
            {"type":"track","event":"Order Completed","userId":"u1",
             "properties":{"Email":"  Ada@Example.COM ","price":"19.90","qty":"2","gift":"yes","internal":1,"sku":"a-1"},
             "context":{"ip":"10.0.0.1"}}
            """)!.AsObject();

        var (problem, dropped) = SourceTransform.Apply(message, [
            Step("copy", from: "properties.Email", to: "traits.email"),
            Step("trim", "traits.email"),
            Step("lowercase", "traits.email"),
            Step("rename", from: "properties.sku", to: "properties.productId"),
            Step("uppercase", "properties.productId"),
            Step("drop", "properties.internal"),
            Step("drop", "context.ip"),
            Step("drop", "properties.absent"),
            Step("set", "properties.channel", value: "web"),
            Step("coerce", "properties.price", to: "number"),
            Step("coerce", "properties.qty", to: "integer"),
            Step("coerce", "properties.gift", to: "boolean"),
            Step("coerce", "properties.channel", to: "string"),
        ]);

        Assert.Equal((null, false), (problem, dropped));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""
                {"type":"track","event":"Order Completed","userId":"u1",
                 "properties":{"Email":"  Ada@Example.COM ","price":19.9,"qty":2,"gift":true,"productId":"A-1","channel":"web"},
                 "context":{},"traits":{"email":"ada@example.com"}}
                """),
            message),
            message.ToJsonString());
    }

    [Theory]
    [InlineData("number", "\"abc\"")]
    [InlineData("integer", "\"2.5\"")]
    [InlineData("integer", "2.5")]
    [InlineData("boolean", "\"maybe\"")]
    [InlineData("string", "{\"a\":1}")]
    public void ACoercionThatCannotBeMade_RefusesTheMessage_NamingTheStepAndValue(string to, string value)
    {
        var message = new JsonObject { ["properties"] = new JsonObject { ["v"] = JsonNode.Parse(value) } };

        var (problem, dropped) = SourceTransform.Apply(message, [Step("set", "properties.ok", value: "1"), Step("coerce", "properties.v", to: to)]);

        Assert.False(dropped);
        Assert.StartsWith("transform[1]: properties.v (", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_KeepOrDropMessages_ByTheValueAtAPath()
    {
        JsonObject Track(string name) => new() { ["type"] = "track", ["event"] = name };
        TransformStep[] keep = [Step("keepIf", "event", values: ["Order Completed", "Signed Up"])];
        TransformStep[] drop = [Step("dropIf", "type", values: ["page"])];

        Assert.False(SourceTransform.Apply(Track("Signed Up"), keep).Dropped);
        Assert.True(SourceTransform.Apply(Track("Page Scrolled"), keep).Dropped);
        Assert.True(SourceTransform.Apply(new JsonObject { ["type"] = "identify" }, keep).Dropped); // no event: not kept
        Assert.True(SourceTransform.Apply(new JsonObject { ["type"] = "page" }, drop).Dropped);
        Assert.False(SourceTransform.Apply(Track("X"), drop).Dropped);
    }

    [Fact]
    public void StepsThatCannotRun_AreNamedByFieldWhenSaved()
    {
        var problems = SourceTransform.Problems([
            Step("explode", "a"),
            Step("copy", from: "properties.a"),
            Step("coerce", "properties.a", to: "date"),
            Step("set", "properties..a", value: "x"),
            Step("set", "properties.b"),
            Step("keepIf", "event"),
            Step("trim", "traits.email"),
        ]).ToList();

        Assert.Equal(
            ["transform[0].op", "transform[1].to", "transform[2].to", "transform[3].path", "transform[4].value", "transform[5].in"],
            problems.Select(p => p.Field));
    }
}
