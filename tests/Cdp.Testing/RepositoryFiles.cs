namespace Cdp.Testing;

/// <summary>Files of the repository the tests run from (found by walking up to Cdp.Functions.sln).</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the folder above the test's output that holds Cdp.Functions.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cdp.Functions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cdp.Functions.sln not found above the test's folder.");
    }
}
