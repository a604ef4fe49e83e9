using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Core.Journeys;
using Microsoft.Extensions.Configuration;

namespace Cdp.Plugins.Example;

/// <summary>
/// <c>{"type":"action","action":"note","file":"welcome.ndjson","text":"Hello {{traits.name}}"}</c>: appends a line
/// <c>{"key","profileId","journeyId","text"}</c> to a file in the folder <c>Cdp:Plugins:Example:Folder</c> (the system's
/// temporary folder when unset). A step run again finds its key in the file and writes nothing.
/// </summary>
public sealed partial class NoteAction(IConfiguration configuration) : IJourneyAction
{
    private static readonly SemaphoreSlim Writing = new(1, 1);

    public string Name => "note";

    public string Label => "Write a note";

    public string Description => "Append a line about the person to a file (an example plugin).";

    public IReadOnlyList<JourneyStepField> Fields { get; } =
    [
        new("file", JourneyPalette.Text, true, "A file name (letters, digits, '-', '_' and '.') in the notes folder."),
        new("text", JourneyPalette.Text, true, "The note: {{profile.id}} and {{traits.NAME}} are filled in."),
    ];

    public bool ContactsPerson => false;

    public IEnumerable<(string Field, string Problem)> Validate(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Text(settings, "file") is not { } file || !FileName().IsMatch(file))
        {
            yield return ("file", "A file name of letters, digits, '-', '_' and '.' (no folders).");
        }

        if (string.IsNullOrWhiteSpace(Text(settings, "text")))
        {
            yield return ("text", "The note's text.");
        }
    }

    public string Describe(JourneyActionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"note in {Text(run.Settings, "file")}: {Fill(Text(run.Settings, "text") ?? string.Empty, run.Person)}";
    }

    public async Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var folder = configuration["Cdp:Plugins:Example:Folder"] is { Length: > 0 } configured ? configured : Path.GetTempPath();
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Text(run.Settings, "file")!);
        var line = JsonSerializer.Serialize(new { key = run.IdempotencyKey, profileId = run.Person.ProfileId, journeyId = run.JourneyId, text = Fill(Text(run.Settings, "text")!, run.Person) });
        await Writing.WaitAsync(cancellationToken);
        try
        {
            var marker = JsonSerializer.Serialize(run.IdempotencyKey);
            if (File.Exists(path) && (await File.ReadAllLinesAsync(path, cancellationToken)).Any(l => l.Contains(marker, StringComparison.Ordinal)))
            {
                return; // written by an earlier attempt
            }

            await File.AppendAllTextAsync(path, line + "\n", Encoding.UTF8, cancellationToken);
        }
        finally
        {
            Writing.Release();
        }
    }

    private static string? Text(JsonObject settings, string name) =>
        settings[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string Fill(string template, JourneyActionPerson person) =>
        Placeholder().Replace(template, m => m.Groups[1].Value == "profile.id"
            ? person.ProfileId
            : person.Traits.TryGetValue(m.Groups[1].Value["traits.".Length..], out var value) && value is not null
                ? value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString()
                : string.Empty);

    [GeneratedRegex(@"\{\{(profile\.id|traits\.[A-Za-z0-9_.-]+)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex FileName();
}
