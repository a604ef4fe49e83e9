using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.Contracts;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Tests.Privacy;

public sealed class PersonalDataProtectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryPrivacy _keys = new();

    private PersonalDataProtector Protector(string? masterKey = ErasureContract.MasterKey) =>
        new(_keys, Options.Create(new PrivacyOptions { MasterKey = masterKey }));

    private static ProfileDocument Person(string id = "p_1")
    {
        var profile = new Profile(id, T0);
        var policy = TestDomain.Policy();
        profile.Link(new Identifier("email", "ada@example.com"), T0, together: true);
        profile.Link(new Identifier("user_id", "u-1"), T0, together: true);
        profile.SetTrait("email", new Trait(JsonValue.Create("ada@old.example"), T0, "m1"), policy);
        profile.SetTrait("email", new Trait(JsonValue.Create("ada@example.com"), T0.AddMinutes(1), "m2"), policy);
        profile.SetTrait("address", new Trait(new JsonObject { ["city"] = "London" }, T0, "m1"), policy);
        profile.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0, "m1"), policy);
        return profile.ToDocument();
    }

    private static string Text(ProfileDocument document) => System.Text.Json.JsonSerializer.Serialize(document, Cdp.Core.Events.CdpJson.Options);

    [Fact]
    public async Task Protect_EncryptsPersonalTraitsWithTheirHistory_AndPersonalIdentifiers_UnprotectRestoresThem()
    {
        var clear = Person();
        var stored = await Protector().ProtectAsync(clear, CancellationToken.None);

        var text = Text(stored);
        Assert.DoesNotContain("ada@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("London", text, StringComparison.Ordinal);
        Assert.Contains("\"pro\"", text, StringComparison.Ordinal);
        Assert.Contains("u-1", text, StringComparison.Ordinal);
        Assert.StartsWith(PersonalDataProtector.Prefix, stored.Identifiers.Single(i => i.Type == "email").Value, StringComparison.Ordinal);
        Assert.NotEmpty(stored.Traits["email"].History!);

        // A fresh protector (another host: no cached key) reads it back exactly.
        var read = await Protector().UnprotectAsync(stored, CancellationToken.None);
        Assert.Equal(Text(clear), Text(read));
    }

    [Fact]
    public async Task AValueMovedToAnotherProfile_DoesNotOpen_AndAClientStringThatLooksEncrypted_PassesThrough()
    {
        var protector = Protector();
        var ada = await protector.ProtectAsync(Person("p_ada"), CancellationToken.None);
        var eve = await protector.ProtectAsync(Person("p_eve"), CancellationToken.None);
        var stolen = ada.Traits["email"].Value!.GetValue<string>();

        Assert.Equal((false, null), await protector.TryReadAsync("p_eve", "traits.email", stolen, CancellationToken.None));
        Assert.Equal((false, null), await protector.TryReadAsync("p_ada", "traits.name", stolen, CancellationToken.None));
        var swapped = await protector.UnprotectAsync(eve with { Traits = new Dictionary<string, Trait>(eve.Traits) { ["email"] = ada.Traits["email"] with { History = null } } }, CancellationToken.None);
        Assert.Equal(stolen, swapped.Traits["email"].Value!.GetValue<string>());

        var odd = new Profile("p_odd", T0);
        odd.SetTrait("note", new Trait(JsonValue.Create("enc:v1:not-really"), T0, "m1"), TestDomain.Policy());
        var roundTrip = await protector.UnprotectAsync(await protector.ProtectAsync(odd.ToDocument(), CancellationToken.None), CancellationToken.None);
        Assert.Equal("enc:v1:not-really", roundTrip.Traits["note"].Value!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutAMasterKey_NothingIsEncrypted_AndEncryptedDataIsAClearError()
    {
        var clear = Person();
        Assert.Same(clear, await Protector(null).ProtectAsync(clear, CancellationToken.None));

        var stored = await Protector().ProtectAsync(clear, CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Protector(null).UnprotectAsync(stored, CancellationToken.None).AsTask());
        Assert.Contains("Cdp:Privacy:MasterKey", error.Message, StringComparison.Ordinal);
    }
}
