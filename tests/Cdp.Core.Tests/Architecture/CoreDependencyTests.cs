using System.Text.RegularExpressions;
using System.Xml.Linq;
using Cdp.Core.Events;
using Cdp.Testing;

namespace Cdp.Core.Tests.Architecture;

/// <summary>
/// The domain stays pure: no Azure SDK, no Functions, no Durable Task, no database driver; and its folders depend
/// on each other one way.
/// </summary>
public partial class CoreDependencyTests
{
    private static readonly string[] Forbidden =
    [
        "Azure.",
        "Microsoft.Azure.",
        "Microsoft.Data.",
        "Microsoft.DurableTask",
        "Microsoft.AspNetCore.",
        "Microsoft.EntityFrameworkCore",
        "System.Data.SqlClient",
        "SQLitePCLRaw",
        "Npgsql",
    ];

    [Fact]
    public void CoreAssembly_ReferencesNoAzureFunctionsOrDatabaseAssembly()
    {
        var references = typeof(Message).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, name => Forbidden.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Fact]
    public void CoreProject_HasNoForbiddenPackageOrProjectReference()
    {
        var project = XDocument.Load(Path.Combine(RepositoryFiles.Root, "functions", "Cdp.Core", "Cdp.Core.csproj"));
        var includes = project.Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "ProjectReference" or "FrameworkReference")
            .Select(e => Path.GetFileNameWithoutExtension((string?)e.Attribute("Include") ?? string.Empty))
            .ToList();

        Assert.DoesNotContain(includes, name => Forbidden.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.DoesNotContain(includes, name => name.StartsWith("Cdp.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Known exception: <c>Changes</c> hands subscribers the journey runtime (<c>ProfileChangeContext</c>) while
    /// <c>Journeys</c> subscribes to changes.
    /// </summary>
    private static readonly HashSet<(string From, string To)> KnownCycleEdges = [("Changes", "Journeys")];

    [Fact]
    public void CoreFolders_DependOnEachOtherOneWay()
    {
        var root = Path.Combine(RepositoryFiles.Root, "functions", "Cdp.Core");
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length < 2 || relative[0] is "bin" or "obj")
            {
                continue;
            }

            var from = relative[0];
            var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match match in CoreNamespace().Matches(File.ReadAllText(file)))
            {
                var to = match.Groups["folder"].Value;
                if (to != from && !KnownCycleEdges.Contains((from, to)))
                {
                    uses.Add(to);
                }
            }
        }

        Assert.Contains("Identity", graph.Keys);
        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            var path = new Stack<string>();
            Reach(start, start, path, graph, cycles, new HashSet<string>(StringComparer.Ordinal));
        }

        Assert.Empty(cycles);
    }

    private static void Reach(string start, string at, Stack<string> path, Dictionary<string, HashSet<string>> graph, List<string> cycles, HashSet<string> seen)
    {
        path.Push(at);
        foreach (var next in graph.GetValueOrDefault(at) ?? [])
        {
            if (next == start)
            {
                cycles.Add(string.Join(" -> ", path.Reverse().Append(start)));
            }
            else if (seen.Add(next))
            {
                Reach(start, next, path, graph, cycles, seen);
            }
        }

        path.Pop();
    }

    [GeneratedRegex(@"\bCdp\.Core\.(?<folder>[A-Z][A-Za-z]+)\b")]
    private static partial Regex CoreNamespace();
}
