using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Testing.Contracts;
using Cdp.Testing.InMemory;
using Cdp.Testing.Model;
using CsCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Privacy;

/// <summary>
/// Master keys wrapped by a key wrapper (issue 21 #7): generations, the configured key of earlier releases still read,
/// the vault's key rotated and its old version disabled, and a randomized model of rotations and rewraps interleaved with
/// new keys, erasures, restarts and a rewrap racing an erasure.
/// </summary>
public sealed class MasterKeyRotationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private static IOptions<PrivacyOptions> Options(string? legacy = null) => Microsoft.Extensions.Options.Options.Create(new PrivacyOptions { MasterKey = legacy });

    private static ProfileDocument Person(string id) =>
        new(ProfileDocument.CurrentSchemaVersion, id, T0, T0, [new ProfileIdentifier("email", "ada@example.com", T0, T0)],
            new Dictionary<string, Trait> { ["email"] = new(JsonValue.Create("ada@example.com"), T0, "m1") }, Version: 1);

    private static async Task<List<string>> RewrapAllAsync(MasterKeys keys)
    {
        var pages = new List<string>();
        string? cursor = null;
        do
        {
            var page = await keys.RewrapAsync(cursor, 2, CancellationToken.None);
            pages.Add($"{page.Rewrapped}/{page.Current}/{page.Skipped}");
            cursor = page.Next;
        }
        while (cursor is not null);
        return pages;
    }

    [Fact]
    public async Task DataKeysWrappedByTheConfiguredKey_StayReadable_AndARewrapMovesThemOntoAGeneration_AfterWhichTheKeyIsNotNeeded()
    {
        var store = new InMemoryPrivacy();
        var before = new PersonalDataProtector(store, Options(ErasureContract.MasterKey));
        var stored = await before.ProtectAsync(Person("p1"), CancellationToken.None);
        var wrapper = new InMemoryKeyWrapper();

        using var upgraded = new MasterKeys(store, Options(ErasureContract.MasterKey), wrapper);
        Assert.Equal("ada@example.com", (await new PersonalDataProtector(store, Options(ErasureContract.MasterKey), upgraded).UnprotectAsync(stored, CancellationToken.None)).Traits["email"].Value!.GetValue<string>());
        var pass = await RewrapAllAsync(upgraded);

        Assert.Equal(1, pass.Sum(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)));
        using var without = new MasterKeys(store, Options(), wrapper);
        var read = await new PersonalDataProtector(store, Options(), without).UnprotectAsync(stored, CancellationToken.None);
        Assert.Equal("ada@example.com", read.Traits["email"].Value!.GetValue<string>());
        Assert.Equal("ada@example.com", read.Identifiers[0].Value);
    }

    [Fact]
    public async Task AfterTheVaultsKeyRotates_ARotationRewrapsEveryGeneration_SoTheOldVersionCanBeDisabled()
    {
        var store = new InMemoryPrivacy();
        var wrapper = new InMemoryKeyWrapper();
        using var first = new MasterKeys(store, Options(), wrapper);
        var stored = await new PersonalDataProtector(store, Options(), first).ProtectAsync(Person("p1"), CancellationToken.None);
        var old = (await wrapper.WrapAsync([1], CancellationToken.None)).KeyId;

        wrapper.NewVersion();
        var rotation = await first.RotateAsync(CancellationToken.None);
        await RewrapAllAsync(first);
        wrapper.Disable(old);

        Assert.Equal(2, rotation.Generation);
        Assert.Equal(1, rotation.RecordsRewrapped);
        Assert.NotEqual(old, rotation.KeyId);
        using var restarted = new MasterKeys(store, Options(), wrapper);
        Assert.Equal("ada@example.com", (await new PersonalDataProtector(store, Options(), restarted).UnprotectAsync(stored, CancellationToken.None)).Traits["email"].Value!.GetValue<string>());
    }

    [Fact]
    public async Task ThePlainKey_IsNeverStored_OnlyWhatTheWrapperWrapped()
    {
        var store = new InMemoryPrivacy();
        using var keys = new MasterKeys(store, Options(), new InMemoryKeyWrapper());
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await keys.WrapAsync("p1", dataKey, CancellationToken.None);

        var page = await store.ListAsync(null, 10, CancellationToken.None);
        var record = Assert.Single(page.Keys, k => k.Key.StartsWith(MasterKeys.RecordPrefix, StringComparison.Ordinal));
        Assert.Contains("memory://keys/master/v1", System.Text.Encoding.UTF8.GetString(record.Value), StringComparison.Ordinal);
        Assert.Equal(dataKey, await keys.UnwrapAsync("p1", wrapped, CancellationToken.None));
        Assert.Throws<AuthenticationTagMismatchException>(() => keys.UnwrapAsync("p2", wrapped, CancellationToken.None).AsTask().GetAwaiter().GetResult());
    }

    private enum Op
    {
        Create,
        Erase,
        Rotate,
        Rewrap,
        RewrapRacingErasure,
        Restart,
        VaultRotates,
        MinutePasses,
    }

    private static readonly Gen<(Op Op, int Process, int Profile)[]> Runs =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 1], Gen.Int[0, 5]).Array[1, 40];

    /// <summary>A data key store that, before one replacement, lets something else happen first (an erasure).</summary>
    private sealed class Racing(InMemoryPrivacy inner) : IDataKeyStore
    {
        public Func<string, Task>? BeforeReplace { get; set; }

        public Task<byte[]?> GetAsync(string profileId, CancellationToken cancellationToken) => ((IDataKeyStore)inner).GetAsync(profileId, cancellationToken);

        public Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken) => inner.AddOnceAsync(profileId, wrapped, cancellationToken);

        public Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken) => inner.DeleteAsync(profileId, cancellationToken);

        public Task<DataKeyPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken) => inner.ListAsync(cursor, limit, cancellationToken);

        public async Task<bool> ReplaceAsync(string id, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
        {
            if (BeforeReplace is { } before && !id.StartsWith(MasterKeys.RecordPrefix, StringComparison.Ordinal))
            {
                BeforeReplace = null;
                await before(id);
            }

            return await inner.ReplaceAsync(id, expected, replacement, cancellationToken);
        }
    }

    private static async Task CheckAsync((Op Op, int Process, int Profile)[] run)
    {
        var time = new FakeTimeProvider(T0);
        var inner = new InMemoryPrivacy();
        var store = new Racing(inner);
        var wrapper = new InMemoryKeyWrapper();
        var processes = new[] { new MasterKeys(store, Options(), wrapper, time), new MasterKeys(store, Options(), wrapper, time) };
        var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var erased = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (op, process, profile) in run)
            {
                var keys = processes[process];
                var id = "p" + profile;
                switch (op)
                {
                    case Op.Create when !expected.ContainsKey(id) && !erased.Contains(id):
                        var key = RandomNumberGenerator.GetBytes(32);
                        await store.AddOnceAsync(id, await keys.WrapAsync(id, key, CancellationToken.None), CancellationToken.None);
                        expected[id] = key;
                        break;
                    case Op.Erase when expected.Remove(id):
                        await store.DeleteAsync(id, CancellationToken.None);
                        erased.Add(id);
                        break;
                    case Op.Rotate:
                        // Every generation is now wrapped by the vault key's latest version: the operator disables the others.
                        await keys.RotateAsync(CancellationToken.None);
                        wrapper.DisableAllButLatest();
                        break;
                    case Op.Rewrap:
                        await RewrapAllAsync(keys);
                        break;
                    case Op.RewrapRacingErasure:
                        // The erasure deletes the key between the rewrap's read and its replacement: it must stay deleted.
                        store.BeforeReplace = async racing =>
                        {
                            await inner.DeleteAsync(racing, CancellationToken.None);
                            expected.Remove(racing);
                            erased.Add(racing);
                        };
                        await RewrapAllAsync(keys);
                        store.BeforeReplace = null;
                        break;
                    case Op.Restart:
                        keys.Dispose();
                        processes[process] = new MasterKeys(store, Options(), wrapper, time);
                        break;
                    case Op.VaultRotates:
                        wrapper.NewVersion();
                        break;
                    case Op.MinutePasses:
                        time.Advance(MasterKeys.RefreshInterval);
                        break;
                }

                // Every live data key opens to what was created, from a fresh process; no erased key came back.
                using var fresh = new MasterKeys(store, Options(), wrapper, time);
                foreach (var (live, dataKey) in expected)
                {
                    Assert.Equal(dataKey, await fresh.UnwrapAsync(live, (await store.GetAsync(live, CancellationToken.None))!, CancellationToken.None));
                }

                foreach (var gone in erased)
                {
                    Assert.Null(await store.GetAsync(gone, CancellationToken.None));
                }
            }

            // Once every process has looked for the latest generation, a full pass leaves no key on an older one.
            time.Advance(MasterKeys.RefreshInterval);
            await RewrapAllAsync(processes[0]);
            var again = await RewrapAllAsync(processes[1]);
            Assert.All(again, page => Assert.StartsWith("0/", page, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var keys in processes)
            {
                keys.Dispose();
            }
        }
    }

    [Fact]
    public void DataKeysStayReadable_ErasedOnesStayGone_UnderRotationsRewrapsRestartsAndRacingErasures() =>
        Runs.Sample(run => CheckAsync(run).GetAwaiter().GetResult(), iter: IdentityModel.Iterations(), threads: 1);
}
