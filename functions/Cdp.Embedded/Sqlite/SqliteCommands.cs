using System.Text.Json;
using Cdp.Core.Events;
using Microsoft.Data.Sqlite;

namespace Cdp.Embedded.Sqlite;

/// <summary>Small conveniences over ADO.NET that keep the adapters' SQL readable.</summary>
internal static class SqliteCommands
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>A command inside <paramref name="transaction"/>.</summary>
    public static SqliteCommand Command(this SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = transaction.Connection!.Command(sql, parameters);
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Runs the query and reads its first column, JSON of <typeparamref name="T"/>, row by row.</summary>
    public static List<T> ReadJson<T>(this SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(FromJson<T>(reader.GetString(0)));
        }

        return rows;
    }

    /// <summary>A stored JSON body as <typeparamref name="T"/>.</summary>
    public static T FromJson<T>(string body) =>
        JsonSerializer.Deserialize<T>(body, CdpJson.Options) ?? throw new InvalidDataException($"A stored {typeof(T).Name} is empty.");

    /// <summary>Runs a delete (one or more statements) in a write transaction; how many rows went.</summary>
    public static int Delete(this SqliteDatabase database, string sql, params (string Name, object? Value)[] parameters) =>
        database.Write(transaction =>
        {
            using var delete = transaction.Command(sql, parameters);
            return delete.ExecuteNonQuery();
        });

    /// <summary>Runs <paramref name="write"/> for each item in one write transaction.</summary>
    public static void WriteEach<T>(this SqliteDatabase database, IReadOnlyList<T> items, Func<SqliteTransaction, T, SqliteCommand> write)
    {
        database.Write(transaction =>
        {
            foreach (var item in items)
            {
                using var command = write(transaction, item);
                command.ExecuteNonQuery();
            }

            return items.Count;
        });
    }
}
