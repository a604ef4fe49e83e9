using Cdp.Core;
using Microsoft.Data.Sqlite;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// SQLite's transient failures: the database busy or locked by another connection past the busy timeout, an I/O
/// error, a full disk, a file that cannot be opened for now. Anything else (a constraint, a malformed statement)
/// would fail the same way again.
/// </summary>
public sealed class SqliteTransientFailures : ITransientFailureRule
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN (primary result codes).
    private static readonly int[] Transient = [5, 6, 10, 13, 14];

    public bool IsTransient(Exception exception) =>
        exception is SqliteException sqlite && Transient.Contains(sqlite.SqliteErrorCode & 0xff);
}
