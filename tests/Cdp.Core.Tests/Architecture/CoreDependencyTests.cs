using System.Xml.Linq;
using Cdp.Core.Events;
using Cdp.Testing;

namespace Cdp.Core.Tests.Architecture;

/// <summary>The domain stays pure: no Azure SDK, no Functions, no Durable Task, no database driver.</summary>
public class CoreDependencyTests
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
}
