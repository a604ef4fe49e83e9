namespace Cdp.Embedded;

/// <summary>Where and how the embedded store keeps its data.</summary>
public sealed class EmbeddedOptions
{
    /// <summary>The environment variable that names the data folder.</summary>
    public const string DataDirectoryVariable = "CDP_DATA_DIR";

    /// <summary>The data folder; created when missing.</summary>
    /// <value>The default is <c>.cdp</c> in the working directory.</value>
    public string DataDirectory { get; set; } = ".cdp";

    /// <summary>How many partitions the embedded event log has.</summary>
    /// <value>The default is 4. Changing it re-partitions only new messages.</value>
    public int Partitions { get; set; } = 4;

    /// <summary>The database file inside <see cref="DataDirectory"/>.</summary>
    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "cdp.db");
}
