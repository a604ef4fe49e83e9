using System.Text.Json.Nodes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Journeys;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cdp.Testing.Contracts;

/// <summary>
/// Erasure over one adapter set, over the wire where the adapters are remote: a person's data is planted in every
/// store (two merged profiles with their identifiers, ledger and events, a segment's history, a running journey,
/// dead letters that mention them), the erasure runs, and each is gone — while another person's stays; a copy of
/// the stored profile taken before cannot be decrypted after; a new event for an erased identifier re-creates nobody.
/// </summary>
public abstract class ErasureContract
{
    /// <summary>A fixed test master key (32 bytes in base64); never a real deployment's.</summary>
    public const string MasterKey = "bWFzdGVyLWtleS1tYXN0ZXIta2V5LW1hc3Rlci1rZXk=";

    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract IIdentityIndex Index { get; }

    protected abstract IIdentityLedger Ledger { get; }

    protected abstract IProfileEventStore Events { get; }

    protected abstract ISegmentStore Segments { get; }

    protected abstract ISegmentTransitions Transitions { get; }

    protected abstract IJourneyInstances Instances { get; }

    protected abstract IErasureStore Erasures { get; }

    protected abstract IDataKeyStore Keys { get; }

    protected abstract Task<IDeadLetterStore> DeadLettersAsync();

    /// <summary>The adapter's profile store, encrypting through <paramref name="protector"/>.</summary>
    protected abstract IProfileStore Profiles(PersonalDataProtector protector);

    /// <summary>The profile exactly as stored (JSON), as a backup or replica would hold it; null when there is none.</summary>
    protected abstract Task<string?> RawProfileAsync(string profileId);

    private static PersonalDataProtector Protector(IDataKeyStore keys) =>
        new(keys, Options.Create(new PrivacyOptions { MasterKey = MasterKey }));

    private static Message Identify(string id, int minute, string? userId = null, string? anonymousId = null, string? email = null, string? phone = null) => new()
    {
        MessageId = id,
        Type = MessageType.Identify,
        SourceId = "web",
        UserId = userId,
        AnonymousId = anonymousId,
        Traits = email is null ? new JsonObject { ["plan"] = "pro" } : new JsonObject { ["email"] = email, ["name"] = "Ada Lovelace", ["plan"] = "pro", ["phone"] = phone },
        Timestamp = T0.AddMinutes(minute),
        ReceivedAt = T0.AddMinutes(minute),
    };

    [Fact]
    public async Task Erasure_RemovesThePersonFromEveryStore_ShredsTheirKey_AndSuppressesTheirIdentifiers()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (email, userId, device1, device2) = ($"ada-{run}@example.com", $"user-{run}", $"anon1-{run}", $"anon2-{run}");
        var other = $"other-{run}";
        var protector = Protector(Keys);
        var profiles = Profiles(protector);
        var deadLetters = await DeadLettersAsync();
        var rules = TestDomain.Rules();
        var ingest = Ingest(rules, profiles, deadLetters);

        // The person: a device with an email, another device with the user id, then a login that makes them one (a merge).
        var phone = $"+1 415 555 {Random.Shared.Next(2000, 9999)}";
        Message[] own = [Identify($"{run}-1", 0, anonymousId: device1, email: email, phone: phone), Identify($"{run}-2", 1, userId: userId, anonymousId: device2), Identify($"{run}-3", 2, userId: userId, anonymousId: device1)];
        foreach (var message in own)
        {
            await ingest.ProcessAsync([message], CancellationToken.None);
        }

        await ingest.ProcessAsync([Identify($"{run}-4", 3, userId: other, email: $"{other}@example.com")], CancellationToken.None);
        var person = (await profiles.LiveAsync(IdentityResolver.NewProfileId($"{run}-1"), CancellationToken.None))!.Profile;
        var otherId = IdentityResolver.NewProfileId($"{run}-4");
        var ids = new[] { person.Id }.Concat(person.Merged).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(email, person.Traits["email"].Value!.GetValue<string>());

        // At rest the personal values are encrypted; a copy is taken now (as a backup would hold it).
        var copy = JsonNode.Parse((await RawProfileAsync(person.Id))!)!;
        Assert.DoesNotContain(email, copy.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Ada Lovelace", copy.ToJsonString(), StringComparison.Ordinal);
        var encryptedEmail = copy["traits"]!["email"]!["value"]!.GetValue<string>();
        Assert.StartsWith(PersonalDataProtector.Prefix, encryptedEmail, StringComparison.Ordinal);
        Assert.Equal((true, $"\"{email}\""), await Protector(Keys).TryReadAsync(person.Id, "traits.email", encryptedEmail, CancellationToken.None));

        // A segment's history, a running journey, dead letters that mention the person (one a batch with another's message).
        var segment = "seg-" + run;
        await Segments.TryPutAsync(new SegmentDefinition(segment, "Pro", null, "text(\"plan\") == \"pro\"", SegmentStatus.Active, 1, T0), null, CancellationToken.None);
        await Transitions.RecordAsync(
            [.. ids.Append(otherId).Select(id => SegmentTransition.Of(segment, id, SegmentTransitionKind.Entered, T0.AddMinutes(5), 1))],
            CancellationToken.None);
        var deletedSegment = "gone-" + run; // a segment deleted since: its history of the person goes too
        await Transitions.RecordAsync([SegmentTransition.Of(deletedSegment, person.Id, SegmentTransitionKind.Entered, T0, 1)], CancellationToken.None);
        var runtime = new RecordingJourneyRuntime();
        var journey = "j-" + run;
        foreach (var id in new[] { person.Id, otherId })
        {
            var instance = new JourneyInstance(JourneyInstance.IdFor(journey, 1, id, 1), journey, 1, id, 1, "segment:" + segment, JourneyInstanceStatus.Running, T0);
            Assert.True(await Instances.TryCreateAsync(instance, CancellationToken.None));
            await runtime.StartAsync(instance.InstanceId, new JourneyRun(JourneyDefinitionFor(journey), id, 1), CancellationToken.None);
        }

        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-1", DeadLetter.CollectStage, "web", "bad", $$$"""{"type":"identify","traits":{"email":"{{{email}}}"}}""", T0), CancellationToken.None);
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-2", DeadLetter.CollectStage, "web", "bad", $$"""{"batch":[{"userId":"{{userId}}"},{"userId":"{{other}}"}]}""", T0), CancellationToken.None);
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-3", DeadLetter.CollectStage, "web", "bad", $$"""{"userId":"{{other}}"}""", T0), CancellationToken.None);

        // The same values as clients send them, not normalized: matched as ingest normalizes them (a JSON body, and one
        // that is not JSON).
        var local = phone[^4..];
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-4", DeadLetter.CollectStage, "web", "bad", $$$"""{"traits":{"email":"  {{{email.ToUpperInvariant()}}} "}}""", T0), CancellationToken.None);
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-5", DeadLetter.CollectStage, "web", "bad", $$$"""{"traits":{"phone":"(415) 555-{{{local}}}"}}""", T0), CancellationToken.None);
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-6", DeadLetter.CollectStage, "web", "bad", $$"""{"traits":{"phone":"+1 (415) 555-{{local}}", "email": """, T0), CancellationToken.None);
        await deadLetters.AddAsync(new DeadLetter($"dl-{run}-7", DeadLetter.CollectStage, "web", "bad", $$"""{"userId":" {{userId}} "}""", T0), CancellationToken.None);

        var service = Service(rules, profiles, deadLetters, protector);
        var (requested, created) = (await service.RequestForProfileAsync(person.Merged.First(), "test", CancellationToken.None))!.Value;
        Assert.True(created);
        Assert.Equal(ids.Order(), requested.ProfileIds.Order());
        // The erasure's own record names the person by profile ids and index keys only, never by a value they sent.
        Assert.Equal(ids.Order(), (requested.Mentions ?? []).Order());
        var receipt = await service.RunAsync(requested.Id, runtime, CancellationToken.None);

        // The receipt: every step, what each removed, no raw value kept.
        Assert.Equal(ErasureStatus.Completed, receipt.Status);
        Assert.Equal(ErasureService.Steps, receipt.Steps.Select(s => s.Step));
        Assert.Null(receipt.Mentions);
        Assert.Equal(2, receipt.Steps.Single(s => s.Step == ErasureService.Profiles).Removed);
        Assert.Equal(1, receipt.Steps.Single(s => s.Step == ErasureService.Journeys).Removed);
        Assert.Equal(6, receipt.Steps.Single(s => s.Step == ErasureService.DeadLetters).Removed);

        // Every store: nothing of the person is left.
        foreach (var id in ids)
        {
            Assert.Null(await profiles.GetAsync(id, CancellationToken.None));
            Assert.Null(await RawProfileAsync(id) is { } raw && !raw.Contains("\"deleted\":true", StringComparison.Ordinal) ? raw : null);
            Assert.Empty(await Ledger.ListAsync(id, CancellationToken.None));
            Assert.Empty(await Events.ListAsync(id, 100, CancellationToken.None));
            Assert.Empty(await Transitions.ListForProfileAsync(id, CancellationToken.None));
            Assert.Empty(await Instances.ListAllForProfileAsync(id, CancellationToken.None));
            Assert.Null(await Keys.GetAsync(id, CancellationToken.None));
        }

        foreach (var identifier in new[] { new Identifier("email", email), new Identifier("user_id", userId), new Identifier("anonymous_id", device1), new Identifier("anonymous_id", device2), new Identifier("phone", "+1415555" + local) })
        {
            Assert.Equal(IdentitySuppression.Owner, await Index.FindAsync(rules.KeyOf(identifier), CancellationToken.None));
        }

        Assert.Equal(1, await Transitions.CountMembersAsync(segment, CancellationToken.None));
        Assert.Contains(JourneyInstance.IdFor(journey, 1, person.Id, 1), runtime.Terminated);
        Assert.Contains(JourneyInstance.IdFor(journey, 1, person.Id, 1), runtime.Purged);
        Assert.Null(await deadLetters.GetAsync($"dl-{run}-1", CancellationToken.None));
        Assert.Null(await deadLetters.GetAsync($"dl-{run}-2", CancellationToken.None));
        var batch = (await deadLetters.ListAsync(100, CancellationToken.None)).Single(l => l.Id.StartsWith($"dl-{run}-2-", StringComparison.Ordinal)).Body;
        Assert.DoesNotContain(userId, batch, StringComparison.Ordinal);
        Assert.Contains(other, batch, StringComparison.Ordinal);
        Assert.NotNull(await deadLetters.GetAsync($"dl-{run}-3", CancellationToken.None));
        foreach (var n in new[] { 4, 5, 6, 7 })
        {
            Assert.Null(await deadLetters.GetAsync($"dl-{run}-{n}", CancellationToken.None));
        }

        // The other person is untouched.
        Assert.Equal($"{other}@example.com", (await profiles.GetAsync(otherId, CancellationToken.None))!.Profile.Traits["email"].Value!.GetValue<string>());
        Assert.NotEmpty(await Events.ListAsync(otherId, 10, CancellationToken.None));
        Assert.Single(await Instances.ListAllForProfileAsync(otherId, CancellationToken.None));

        // Crypto-shredding: the copy taken before cannot be decrypted, by this process or a fresh one.
        Assert.Equal((false, null), await protector.TryReadAsync(person.Id, "traits.email", encryptedEmail, CancellationToken.None));
        Assert.Equal((false, null), await Protector(Keys).TryReadAsync(person.Id, "traits.email", encryptedEmail, CancellationToken.None));

        // Suppression: new events for an erased identifier re-create nobody (with a new device too).
        await ingest.ProcessAsync([Identify($"{run}-5", 10, userId: userId, anonymousId: $"anon3-{run}", email: email)], CancellationToken.None);
        Assert.Null(await profiles.GetAsync(IdentityResolver.NewProfileId($"{run}-5"), CancellationToken.None));
        Assert.Null(await Index.FindAsync(rules.KeyOf(new Identifier("anonymous_id", $"anon3-{run}")), CancellationToken.None));
        Assert.Empty(await Events.ListAsync(IdentityResolver.NewProfileId($"{run}-5"), 10, CancellationToken.None));

        // The person's own messages delivered again (still in the stream's retention, or replayed): nothing comes back.
        await ingest.ProcessAsync(own, CancellationToken.None);
        foreach (var id in ids)
        {
            Assert.Null(await profiles.GetAsync(id, CancellationToken.None));
            Assert.Empty(await Events.ListAsync(id, 10, CancellationToken.None));
        }

        foreach (var message in own)
        {
            Assert.Null(await profiles.GetAsync(IdentityResolver.NewProfileId(message.MessageId), CancellationToken.None));
        }

        // Idempotent: asking again finds the same erasure; running it again changes nothing.
        var again = (await service.RequestForProfileAsync(person.Id, null, CancellationToken.None))!.Value;
        Assert.False(again.Created);
        Assert.Equal(receipt, await service.RunAsync(again.Erasure.Id, runtime, CancellationToken.None), ErasureComparer.Instance);
    }

    /// <summary>
    /// Issue 17, item 11: the person is resolved again as the erasure runs. A device merged into them after the request,
    /// and an older profile they are merged into meanwhile, go with them: deleted, their identifiers suppressed.
    /// </summary>
    [Fact]
    public async Task Erasure_FollowsMergesMadeAfterTheRequest()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (email, older, device, later) = ($"race-{run}@example.com", $"old-{run}", $"anon-{run}", $"late-{run}");
        var protector = Protector(Keys);
        var profiles = Profiles(protector);
        var deadLetters = await DeadLettersAsync();
        var rules = TestDomain.Rules();
        var ingest = Ingest(rules, profiles, deadLetters);
        var service = Service(rules, profiles, deadLetters, protector);

        // An older profile (a user id), and the person (a device with an email); the erasure is asked for the person.
        await ingest.ProcessAsync([Identify($"{run}-o", 0, userId: older)], CancellationToken.None);
        await ingest.ProcessAsync([Identify($"{run}-p", 1, anonymousId: device, email: email)], CancellationToken.None);
        var person = IdentityResolver.NewProfileId($"{run}-p");
        var erasure = (await service.RequestForProfileAsync(person, "race", CancellationToken.None))!.Value.Erasure;
        Assert.Equal([person], erasure.ProfileIds);

        // Before it runs: another device joins the person (merged into it), then the person joins the older profile.
        await ingest.ProcessAsync([Identify($"{run}-d", 2, anonymousId: later)], CancellationToken.None);
        await ingest.ProcessAsync([Identify($"{run}-j", 3, anonymousId: later, email: email)], CancellationToken.None);
        await ingest.ProcessAsync([Identify($"{run}-m", 4, userId: older, email: email)], CancellationToken.None);
        var survivor = (await profiles.LiveAsync(person, CancellationToken.None))!.Profile;
        Assert.Equal(IdentityResolver.NewProfileId($"{run}-o"), survivor.Id);

        var receipt = await service.RunAsync(erasure.Id, new RecordingJourneyRuntime(), CancellationToken.None);

        var all = new[] { IdentityResolver.NewProfileId($"{run}-o"), person, IdentityResolver.NewProfileId($"{run}-d") };
        Assert.Equal(all.Order(StringComparer.Ordinal), receipt.ProfileIds.Order(StringComparer.Ordinal));
        foreach (var id in all)
        {
            Assert.Null(await profiles.GetAsync(id, CancellationToken.None));
            Assert.Empty(await Events.ListAsync(id, 10, CancellationToken.None));
        }

        foreach (var identifier in new[] { new Identifier("email", email), new Identifier("user_id", older), new Identifier("anonymous_id", device), new Identifier("anonymous_id", later) })
        {
            Assert.Equal(IdentitySuppression.Owner, await Index.FindAsync(rules.KeyOf(identifier), CancellationToken.None));
        }
    }

    [Fact]
    public async Task Erasure_OfAnUnknownIdentifier_SuppressesIt_AndAnonymizeModeKeepsOnlyCounts()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var email = $"nobody-{run}@example.com";
        var protector = Protector(Keys);
        var profiles = Profiles(protector);
        var deadLetters = await DeadLettersAsync();
        var rules = TestDomain.Rules();
        var policy = TestDomain.Policy();
        var service = Service(rules, profiles, deadLetters, protector);

        var (erasure, created) = await service.RequestForIdentifierAsync(new Identifier("email", email), null, CancellationToken.None);
        Assert.True(created);
        Assert.Equal("identifier:email", erasure.Subject);
        Assert.Empty(erasure.ProfileIds);
        await service.RunAsync(erasure.Id, new RecordingJourneyRuntime(), CancellationToken.None);
        Assert.Equal(IdentitySuppression.Owner, await Index.FindAsync(rules.KeyOf(new Identifier("email", email)), CancellationToken.None));

        // Anonymize: the message is applied to its other identifier without traits or properties.
        var resolver = new IdentityResolver(rules, policy, Index, profiles, Ledger, NullLogger<IdentityResolver>.Instance);
        var ingest = new IngestService(
            resolver, policy, Ledger, Events, NoProcessedMessageLog.Instance, deadLetters, TimeProvider.System, NullLogger<IngestService>.Instance,
            privacy: Options.Create(new PrivacyOptions { Suppression = SuppressionMode.Anonymize }));
        await ingest.ProcessAsync([Identify($"{run}-1", 0, anonymousId: $"anon-{run}", email: email)], CancellationToken.None);
        var anonymous = (await profiles.GetAsync(IdentityResolver.NewProfileId($"{run}-1"), CancellationToken.None))!.Profile;
        Assert.Equal([new Identifier("anonymous_id", $"anon-{run}")], anonymous.Identifiers.Select(i => i.Identifier));
        Assert.Empty(anonymous.Traits);
        Assert.Equal(1, anonymous.Counters["identify"].Count);
    }

    [Fact]
    public async Task DataKeys_AreListedPageByPage_AndReplacedOnlyWhileUnchanged_NeverBroughtBackOnceDeleted()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 5).Select(i => $"keys-{run}-{i}").ToList();
        foreach (var id in ids)
        {
            await Keys.AddOnceAsync(id, [1, (byte)id[^1]], CancellationToken.None);
        }

        // Every key is listed once, however the pages fall (other tests' keys may be there too).
        var listed = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Keys.ListAsync(cursor, 2, CancellationToken.None);
            Assert.True(page.Keys.Count <= 2);
            listed.AddRange(page.Keys.Select(k => k.Key));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(ids, listed.Where(ids.Contains).Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());

        Assert.True(await Keys.ReplaceAsync(ids[0], [1, (byte)ids[0][^1]], [2, 2], CancellationToken.None));
        Assert.Equal([2, 2], await Keys.GetAsync(ids[0], CancellationToken.None));
        Assert.False(await Keys.ReplaceAsync(ids[0], [1, (byte)ids[0][^1]], [3, 3], CancellationToken.None)); // changed meanwhile
        Assert.Equal([2, 2], await Keys.GetAsync(ids[0], CancellationToken.None));
        Assert.True(await Keys.DeleteAsync(ids[1], CancellationToken.None));
        Assert.False(await Keys.ReplaceAsync(ids[1], [1, (byte)ids[1][^1]], [3, 3], CancellationToken.None)); // shredded
        Assert.Null(await Keys.GetAsync(ids[1], CancellationToken.None));
    }

    /// <summary>Ingest over this adapter's stores (the processed-message log off: each profile's recent keys dedupe).</summary>
    private IngestService Ingest(IdentityRules rules, IProfileStore profiles, IDeadLetterStore deadLetters)
    {
        var policy = TestDomain.Policy();
        var resolver = new IdentityResolver(rules, policy, Index, profiles, Ledger, NullLogger<IdentityResolver>.Instance);
        return new IngestService(resolver, policy, Ledger, Events, NoProcessedMessageLog.Instance, deadLetters, TimeProvider.System, NullLogger<IngestService>.Instance);
    }

    private ErasureService Service(IdentityRules rules, IProfileStore profiles, IDeadLetterStore deadLetters, PersonalDataProtector protector) =>
        new(rules, Index, profiles, Ledger, Events, Transitions, Instances, deadLetters, NoRetainedMessages.Instance, protector, Erasures, TimeProvider.System, NullLogger<ErasureService>.Instance);

    private static JourneyDefinition JourneyDefinitionFor(string id) =>
        new(id, "Welcome", new JourneyTrigger(SegmentEntered: "vip"), [new JourneyStep(JourneyStep.Wait, Duration: "P1D")], Version: 1) { UpdatedAt = T0 };

    /// <summary>Receipts compared by what they say (lists by content).</summary>
    private sealed class ErasureComparer : IEqualityComparer<Erasure>
    {
        public static readonly ErasureComparer Instance = new();

        public bool Equals(Erasure? x, Erasure? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Status == y.Status && x.CompletedAt == y.CompletedAt
            && x.Steps.SequenceEqual(y.Steps) && x.ProfileIds.SequenceEqual(y.ProfileIds) && x.IdentifierKeys.SequenceEqual(y.IdentifierKeys);

        public int GetHashCode(Erasure obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
