using System.Security.Cryptography;

namespace Cdp.Embedded;

/// <summary>A random secret kept in a file of the data folder (readable by the owner only), created on first use.</summary>
internal static class LocalSecret
{
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            // Two processes starting at once: the first file stays, both read it.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(temporary);
        }

        return File.ReadAllText(path).Trim();
    }
}
