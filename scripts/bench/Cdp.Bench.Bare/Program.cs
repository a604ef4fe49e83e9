using System.Text.Json.Nodes;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

// Reads the body and parses it as Cdp's collector does (a JsonNode tree), then answers as Segment does.
app.MapPost("/api/v1/batch", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var root = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    return root is JsonObject ? Results.Ok(new { success = true }) : Results.BadRequest();
});

app.Run();
