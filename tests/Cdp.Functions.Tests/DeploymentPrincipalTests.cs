using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Testing;

namespace Cdp.Functions.Tests;

/// <summary>
/// Deploying from a pipeline and after a teardown (issue 21): the deployer's role assignments take its principal
/// type as a parameter (azd's AZURE_PRINCIPAL_TYPE) and exist only when data access is asked for; the Key Vault's name
/// carries a suffix the hooks make again after <c>azd down</c>; the preprovision hook runs under bash with
/// <c>set -euo pipefail</c> and computes the write key's SHA-256 without GNU <c>sha256sum</c>.
/// </summary>
public sealed class DeploymentPrincipalTests
{
    private static JsonNode Parameters() => JsonNode.Parse(RepositoryFiles.Read("infra/main.parameters.json"))!["parameters"]!;

    [Fact]
    public void TheDeployersPrincipalType_IsAParameter_AndItsDataRolesAreOptIn()
    {
        var main = RepositoryFiles.Read("infra/main.bicep");
        var modules = Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "infra", "modules"), "*.bicep").Select(File.ReadAllText).ToList();

        Assert.Equal("${AZURE_PRINCIPAL_TYPE=User}", Parameters()["principalType"]!["value"]!.GetValue<string>());
        Assert.Equal("${CDP_DEPLOYER_DATA_ACCESS=false}", Parameters()["deployerDataAccess"]!["value"]!.GetValue<string>());
        Assert.Contains("param deployerDataAccess bool = false", main, StringComparison.Ordinal);
        Assert.Contains("var dataPrincipalId = deployerDataAccess ? principalId : ''", main, StringComparison.Ordinal);
        Assert.DoesNotContain("userPrincipalId: principalId", main, StringComparison.Ordinal);
        Assert.All(modules, m => Assert.DoesNotContain("principalType: 'User'", m, StringComparison.Ordinal));
        Assert.Equal(3, modules.Count(m => m.Contains("principalType: userPrincipalType", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheKeyVaultsName_CarriesTheSuffixTheHooksMakeAgainAfterATeardown()
    {
        Assert.Contains("name: 'kv-${token}${keyVaultSuffix}'", RepositoryFiles.Read("infra/main.bicep"), StringComparison.Ordinal);
        Assert.Equal("${CDP_KEY_VAULT_SUFFIX=}", Parameters()["keyVaultSuffix"]!["value"]!.GetValue<string>());
        Assert.Contains("run: infra/hooks/postdown.sh", RepositoryFiles.Read("azure.yaml"), StringComparison.Ordinal);
        Assert.Contains("run: infra/hooks/postdown.ps1", RepositoryFiles.Read("azure.yaml"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The hooks against a stand-in <c>azd</c> (its environment in a file) on a PATH without <c>sha256sum</c>: the
    /// write key's hash is right, a second run changes nothing, and after postdown the vault suffix is a new one.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Preprovision_WithoutSha256sum_HashesTheWriteKey_AndAfterPostdownNamesANewVault()
    {
        var folder = Directory.CreateTempSubdirectory("cdp-hooks-").FullName;
        try
        {
            var bin = Directory.CreateDirectory(Path.Combine(folder, "bin")).FullName;
            foreach (var tool in new[] { "bash", "sh", "openssl", "cut", "grep", "sed", "cat", "env", "printf", "rm", "mv", "touch" })
            {
                if (Which(tool) is { } path)
                {
                    File.CreateSymbolicLink(Path.Combine(bin, tool), path);
                }
            }

            var store = Path.Combine(folder, "env");
            File.WriteAllText(store, string.Empty);
            File.WriteAllText(Path.Combine(bin, "azd"), $$"""
                #!{{Which("bash")}}
                # A stand-in for `azd env get-value NAME` and `azd env set NAME VALUE`, over a file of NAME=VALUE lines.
                store='{{store}}'
                if [ "$2" = get-value ]; then
                  line=$(grep "^$3=" "$store") || exit 1
                  printf '%s\n' "${line#*=}"
                else
                  grep -v "^$3=" "$store" > "$store.tmp" || true
                  mv "$store.tmp" "$store"
                  printf '%s=%s\n' "$3" "$4" >> "$store"
                fi
                """.Replace("\r", string.Empty, StringComparison.Ordinal));
            File.SetUnixFileMode(Path.Combine(bin, "azd"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Dictionary<string, string> Env() => File.ReadAllLines(store).Where(l => l.Length > 0).ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);

            Assert.Equal(0, Run("infra/hooks/preprovision.sh", bin));
            var first = Env();
            Assert.Equal(0, Run("infra/hooks/preprovision.sh", bin));
            var second = Env();
            Assert.Equal(0, Run("infra/hooks/postdown.sh", bin));
            Assert.Equal(string.Empty, Env()["CDP_KEY_VAULT_SUFFIX"]);
            Assert.Equal(0, Run("infra/hooks/preprovision.sh", bin));
            var third = Env();

            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(first["CDP_WRITE_KEY"]))), first["CDP_WRITE_KEY_SHA256"]);
            Assert.Equal(first, second);
            Assert.Matches("^[0-9a-f]{6}$", first["CDP_KEY_VAULT_SUFFIX"]);
            Assert.NotEqual(first["CDP_KEY_VAULT_SUFFIX"], third["CDP_KEY_VAULT_SUFFIX"]);
            Assert.Equal(first["CDP_IDENTITY_HASH_KEY"], third["CDP_IDENTITY_HASH_KEY"]);
            // No master key in the azd environment (issue 21 #7): the vault's key wraps the master keys.
            Assert.DoesNotContain("CDP_MASTER_KEY", first.Keys);
            Assert.Contains("set -euo pipefail", RepositoryFiles.Read("infra/hooks/preprovision.sh"), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? Which(string tool) =>
        new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static int Run(string script, string bin)
    {
        var start = new ProcessStartInfo(Which("sh")!, [Path.Combine(RepositoryFiles.Root, script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryFiles.Root,
        };
        start.Environment["PATH"] = bin;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{script}: {output}");
        return process.ExitCode;
    }
}
