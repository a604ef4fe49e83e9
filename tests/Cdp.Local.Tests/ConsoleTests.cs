using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Cdp.Local.Tests;

/// <summary>
/// The web console in a real browser: Cdp.Local on Kestrel, Debian's Chromium (<c>/usr/bin/chromium</c>, installed by
/// scripts/test.sh) driven by Playwright. Each page is saved as a screenshot in <c>artifacts/console/</c> (or
/// <c>$CDP_ARTIFACTS_DIR/console</c>). Without a built console or a browser the tests say they were skipped.
/// </summary>
public sealed class ConsoleTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string Screenshots = Path.Combine(
        Environment.GetEnvironmentVariable("CDP_ARTIFACTS_DIR") is { Length: > 0 } artifacts ? artifacts : Path.Combine(Cdp.Testing.RepositoryFiles.Root, "artifacts"),
        "console");

    private static void SkipWithoutBrowser()
    {
        Skip.If(!File.Exists(Chromium), $"Skipped: no browser at {Chromium} (scripts/test.sh installs Debian's chromium).");
        Skip.If(!File.Exists(Path.Combine(WebConsole.Folder, "index.html")), $"Skipped: the console is not built into {WebConsole.Folder} (scripts/test.sh builds it).");
    }

    /// <summary>Cdp.Local on Kestrel and a headless Chromium; pages it opens record console errors.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private IPlaywright? _playwright;
        private IBrowser? _browser;

        public LocalApp App { get; } = new();

        public List<string> ConsoleErrors { get; } = [];

        public async Task StartAsync()
        {
            App.UseKestrel(0);
            App.StartServer();
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            Directory.CreateDirectory(Screenshots);
        }

        /// <summary>A signed-in page (1280×800 unless told) that records console errors (a 4xx the test asked for aside).</summary>
        public async Task<IPage> SignedInAsync(int width = 1280, int height = 800)
        {
            var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = App.ClientOptions.BaseAddress.ToString() });
            page.Console += (_, message) =>
            {
                if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
                {
                    ConsoleErrors.Add(message.Text);
                }
            };
            page.PageError += (_, error) => ConsoleErrors.Add(error);
            await page.GotoAsync("/");
            await page.GetByLabel("Admin token").FillAsync(LocalApp.AdminToken);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" })).ToBeVisibleAsync();
            return page;
        }

        public async ValueTask DisposeAsync()
        {
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }

            _playwright?.Dispose();
            await App.DisposeAsync();
        }
    }

    /// <summary>Follows a link of the navigation bar.</summary>
    private static Task NavigateAsync(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private static async Task<JsonObject?> ProfileAsync(HttpClient client, string identifier) =>
        await client.GetOrNullAsync($"/api/profiles?identifier={Uri.EscapeDataString(identifier)}");

    [SkippableFact]
    public async Task AnOperator_FindsAPersonByEmail_SeesTheMerge_BuildsASegment_FixesADeadLetter_AndErasesThePerson()
    {
        SkipWithoutBrowser();
        await using var session = new Session();
        await session.StartAsync();
        using var client = session.App.CreateClient();
        // Two devices and a login that joins them: the browser's anonymous profile merges into the person's.
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"c-laptop","event":"Viewed Pricing"}"""));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-ada","anonymousId":"c-phone","traits":{"email":"ada@example.com","plan":"pro","name":"Ada"}}"""));
        await Eventually.GetAsync(() => ProfileAsync(client, "anonymous_id:c-laptop"), _ => true);
        await Eventually.GetAsync(() => ProfileAsync(client, "user_id:c-ada"), _ => true);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-ada","anonymousId":"c-laptop"}"""));
        var person = await Eventually.GetAsync(() => ProfileAsync(client, "email:ada@example.com"), p => p["merged"]!.AsArray().Count > 0);
        var merged = person["merged"]![0]!.GetValue<string>();
        // A message the collector refuses (a track without its event): a dead letter to fix.
        using (var refused = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"c-bob","properties":{"sku":"A1"}}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var page = await session.SignedInAsync();
        // The overview counts what happened: three messages collected and applied, one merge, one dead letter.
        await Assertions.Expect(page.GetByTestId("collected")).ToContainTextAsync("3 in the hour", new() { Timeout = 15_000 }); // the overview refreshes every 5 s
        await Assertions.Expect(page.GetByTestId("applied")).ToContainTextAsync("3 in the hour", new() { Timeout = 15_000 }); // the overview refreshes every 5 s
        await Assertions.Expect(page.GetByTestId("merged")).ToContainTextAsync("1 merges in the hour · 1 dead letters", new() { Timeout = 15_000 }); // the overview refreshes every 5 s
        await Assertions.Expect(page.GetByTestId("lag")).ToContainTextAsync("0 waiting for ingest", new() { Timeout = 15_000 }); // the overview refreshes every 5 s
        await Assertions.Expect(page.GetByTestId("telemetry")).ToContainTextAsync("not exported. Set OTEL_EXPORTER_OTLP_ENDPOINT");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Collected and applied: at most" })).ToBeVisibleAsync();
        await ShotAsync(page, "overview");

        // Find the person by email, and see the merge in the identity graph and the ledger.
        await NavigateAsync(page, "Profiles");
        await page.GetByLabel("Identifier or profile id").FillAsync("email:ada@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Profile {person["id"]}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"svg g.merged[data-profile='{merged}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-kind='merge']")).ToContainTextAsync(merged);
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = "plan" })).ToContainTextAsync("pro");
        await ShotAsync(page, "profile");

        // Create a segment: a bad rule is named at its field, then the right one fills with the person.
        await NavigateAsync(page, "Segments");
        await page.GetByRole(AriaRole.Link, new() { Name = "New segment" }).ClickAsync();
        await page.GetByLabel("Id").FillAsync("pro");
        await page.GetByLabel("Name").FillAsync("Pro plan");
        await page.GetByLabel("Rule").FillAsync("text(\"plan\" == ");
        // Checked as it is typed: where the rule breaks, before any save.
        await Assertions.Expect(page.GetByTestId("rule-preview")).ToContainTextAsync("At character");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rule-error")).ToBeVisibleAsync();
        await page.GetByLabel("Rule").FillAsync("text(\"plan\") == \"pro\"");
        await Assertions.Expect(page.GetByTestId("rule-preview")).ToContainTextAsync("Matches 1 of the first 1 profile:");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("members")).ToHaveTextAsync("1", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Transitions" })).ToContainTextAsync("entered");
        await ShotAsync(page, "segment");

        // Fix the dead letter in place and replay it: the message is applied and the letter gone.
        await NavigateAsync(page, "Dead letters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Inspect" }).First.ClickAsync();
        var body = page.GetByLabel("The message as kept (edit it to fix it)");
        var kept = JsonNode.Parse(await body.InputValueAsync())!.AsObject();
        kept["event"] = "Added to Cart";
        await body.FillAsync(kept.ToJsonString());
        await ShotAsync(page, "deadletters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay with this fix" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 accepted");
        await Assertions.Expect(page.GetByText("No dead letters")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Eventually.GetAsync(() => ProfileAsync(client, "user_id:c-bob"), _ => true);

        // Erase the person with a reason; they are gone, and the audit log says who and why.
        await page.GotoAsync($"/#/profiles/{person["id"]}");
        await page.GetByLabel("Reason").FillAsync("ticket 4711");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this person" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Erasure");
        await Eventually.GetAsync(async () => (await client.GetAsync($"/api/profiles/{person["id"]}")).StatusCode == HttpStatusCode.NotFound ? "gone" : null, _ => true);
        await NavigateAsync(page, "Profiles");
        await page.GetByLabel("Identifier or profile id").FillAsync("email:ada@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Nobody is known by email:ada@example.com");
        await NavigateAsync(page, "Audit log");
        await page.GetByLabel("Action").SelectOptionAsync("erase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "ticket 4711" })).ToContainTextAsync("admin (console)");
        await ShotAsync(page, "audit");
        await NavigateAsync(page, "Sources");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "test" })).ToContainTextAsync("configuration");

        // A source created here: a bad limit named at its field, then the key shown once, and it collects.
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync("shop");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Shop");
        await page.GetByLabel("Burst").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create source" }).ClickAsync();
        await Assertions.Expect(page.Locator("#source-burst-error")).ToContainTextAsync("1 or more");
        await page.GetByLabel("Burst").FillAsync("20");
        await page.GetByLabel("Transformation (optional: a JSON list of steps)").FillAsync("""[{"op":"lowercase","path":"traits.email"}]""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create source" }).ClickAsync();
        var key = await page.GetByTestId("write-key").TextContentAsync();
        await ShotAsync(page, "sources");
        using (var collected = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/identify")
        {
            Content = HttpJson.Body("""{"userId":"shop-1","traits":{"email":"SHOP@Example.com"}}"""),
            Headers = { Authorization = LocalApp.BasicAuth(key!) },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, collected.StatusCode);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "I have copied it" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("write-key")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "shop" })).ToContainTextAsync("20");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "shop" })).ToContainTextAsync("1 step");
        await page.GetByRole(AriaRole.Button, new() { Name = "New key for shop" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, replace the key of shop" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("write-key")).Not.ToHaveTextAsync(key!);
        using (var old = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/identify")
        {
            Content = HttpJson.Body("""{"userId":"shop-2"}"""),
            Headers = { Authorization = LocalApp.BasicAuth(key!) },
        }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete shop" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete shop" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Shop" })).ToHaveCountAsync(0);
        var shopper = await Eventually.GetAsync(() => ProfileAsync(client, "user_id:shop-1"), p => p["traits"]?["email"] is not null);
        Assert.Equal("shop@example.com", shopper["traits"]!["email"]!["value"]!.GetValue<string>()); // the source's transformation ran

        Assert.Empty(session.ConsoleErrors);
    }

    [SkippableFact]
    public async Task AJourneyBuiltOnlyInTheEditor_IsDryRunOnAPerson_Runs_AndItsWebhookArrives()
    {
        SkipWithoutBrowser();
        using var receiver = new Cdp.Testing.WebhookReceiver();
        await using var session = new Session();
        await session.StartAsync();
        using var client = session.App.CreateClient();
        using (var segment = await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, segment.StatusCode);
        }

        var page = await session.SignedInAsync();
        await NavigateAsync(page, "Journeys");
        await page.GetByRole(AriaRole.Link, new() { Name = "New journey" }).ClickAsync();
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync("vip-welcome");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("VIP welcome");
        await page.GetByLabel("Segment", new() { Exact = true }).SelectOptionAsync("vip");
        // From the palette: a wait, then a webhook to the local receiver with a body filled from the profile.
        await page.GetByLabel("Step to add to steps").SelectOptionAsync(new SelectOptionValue { Label = "Wait" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to steps" }).ClickAsync();
        await page.Locator("[id='steps[0].duration']").FillAsync("soon");
        await page.GetByLabel("Step to add to steps").SelectOptionAsync(new SelectOptionValue { Label = "Webhook" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to steps" }).ClickAsync();
        await page.Locator("[id='steps[1].url']").FillAsync(receiver.Url + "hook");
        await page.Locator("[id='steps[1].body']").FillAsync("""{"email":"{{traits.email}}","journey":"{{journey.id}}"}""");
        await Assertions.Expect(page.GetByRole(AriaRole.Article, new() { Name = "Webhook at steps[1]" })).ToBeVisibleAsync();
        // Then a branch: if the person is a VIP, tag them (nothing otherwise).
        await page.GetByLabel("Step to add to steps", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "If" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to steps", Exact = true }).ClickAsync();
        await page.Locator("[id='steps[2].rule']").FillAsync("flag(\"vip\")");
        await page.GetByLabel("Step to add to steps[2].then").SelectOptionAsync(new SelectOptionValue { Label = "Add a tag" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to steps[2].then" }).ClickAsync();
        await page.Locator("[id='steps[2].then[0].tag']").FillAsync("welcomed");

        // The flow is drawn as it is edited: the trigger, the steps, the branch side by side with its empty 'else'.
        var flow = page.Locator("svg.journey-flow");
        await Assertions.Expect(flow.Locator("g.flow-node[data-path='trigger']")).ToContainTextAsync("enters vip");
        await Assertions.Expect(flow.Locator("g.flow-node[data-path='steps[1]']")).ToContainTextAsync("webhook");
        await Assertions.Expect(flow.Locator("g.flow-node.branch[data-path='steps[2]']")).ToContainTextAsync("if flag(\"vip\")");
        await Assertions.Expect(flow.Locator("g.flow-node[data-path='steps[2].then[0]']")).ToContainTextAsync("addTag welcomed");
        await Assertions.Expect(flow.Locator("g.flow-edge")).ToContainTextAsync(["then", "else (nothing)"]);

        // A bad duration is named at its field, inline; fixed, the journey saves as version 1.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-field='steps[0].duration']").First).ToContainTextAsync("ISO 8601 duration");
        await page.Locator("[id='steps[0].duration']").FillAsync("PT1S");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved version 1");
        await ShotAsync(page, "journey-editor");

        // The person enters the segment: the journey runs, and its webhook arrives with the person's email.
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-vip","traits":{"vip":true,"email":"vip@example.com"}}"""));
        await Eventually.GetAsync(() => Task.FromResult(receiver.Calls.IsEmpty ? null : "arrived"), _ => true);
        var call = Assert.Single(receiver.Calls);
        Assert.Equal("vip@example.com", JsonNode.Parse(call.Body)!["email"]!.GetValue<string>());
        Assert.Equal("vip-welcome", JsonNode.Parse(call.Body)!["journey"]!.GetValue<string>());

        // A dry run on the person shows the path without running it again.
        await page.GetByLabel("Person (identifier or profile id)").FillAsync("email:vip@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        var dryRun = page.GetByLabel("Dry run result");
        await Assertions.Expect(dryRun).ToContainTextAsync("Would be enrolled now.");
        await Assertions.Expect(dryRun).ToContainTextAsync("steps[1] action:webhook: webhook");
        await Assertions.Expect(dryRun).ToContainTextAsync("\"email\":\"vip@example.com\"");
        await Assertions.Expect(dryRun).ToContainTextAsync("Ends: completed");
        // The flow marks the path the dry run took: the trigger, the wait, the webhook, the 'if' and its 'then'.
        await Assertions.Expect(flow.Locator("g.flow-node.passed")).ToHaveCountAsync(5);
        await Assertions.Expect(flow.Locator("g.flow-node.passed[data-path='steps[2].then[0]']")).ToBeVisibleAsync();
        await ShotAsync(page, "journey-dryrun");
        Assert.Single(receiver.Calls);

        // The instance is listed on the journey's page, completed, with its step history.
        await page.GetByRole(AriaRole.Link, new() { Name = "Instances" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "completed" })).ToContainTextAsync("steps[1]", new() { Timeout = 30_000 });
        // Its path is marked on the journey's flow: every step it passed, the branch taken, and the end.
        var vip = (await ProfileAsync(client, "user_id:c-vip"))!["id"]!.GetValue<string>();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Show the path of {vip}" }).ClickAsync();
        var drawn = page.Locator("svg.journey-flow");
        await Assertions.Expect(drawn.Locator("g.flow-node.passed")).ToHaveCountAsync(6);
        await Assertions.Expect(drawn.Locator("g.flow-node.passed[data-path='steps[2].then[0]']")).ToBeVisibleAsync();
        await Assertions.Expect(drawn.Locator("g.flow-edge")).ToContainTextAsync(["then", "else (nothing)"]);
        await ShotAsync(page, "journey");
        Assert.Empty(session.ConsoleErrors);
    }

    [SkippableFact]
    public async Task LongLists_ArePaged_AndFiltered()
    {
        SkipWithoutBrowser();
        await using var session = new Session();
        await session.StartAsync();
        using var client = session.App.CreateClient();
        // 55 tracks without their event: 55 collect-stage dead letters, more than a page (50).
        var batch = string.Join(",", Enumerable.Range(0, 55).Select(i => $$"""{"type":"track","anonymousId":"page-{{i}}"}"""));
        using (var refused = await client.PostAsync("/api/v1/batch", HttpJson.Body($$"""{"batch":[{{batch}}]}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var page = await session.SignedInAsync();
        await NavigateAsync(page, "Dead letters");
        var letters = page.GetByRole(AriaRole.Button, new() { Name = "Inspect" });
        await Assertions.Expect(letters).ToHaveCountAsync(50);
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Page 2")).ToBeVisibleAsync();
        await Assertions.Expect(letters).ToHaveCountAsync(5);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next page" })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
        await Assertions.Expect(letters).ToHaveCountAsync(50);
        await page.GetByLabel("Stage").SelectOptionAsync("ingest");
        await Assertions.Expect(page.GetByText("No dead letters here.")).ToBeVisibleAsync();
        await page.GetByLabel("Stage").SelectOptionAsync("collect");
        await Assertions.Expect(letters).ToHaveCountAsync(50);
        Assert.Empty(session.ConsoleErrors);
    }

    [SkippableFact]
    public async Task EveryPage_IsReadableOnAPhone_WithoutSidewaysScrolling_AndUsableByKeyboard()
    {
        SkipWithoutBrowser();
        await using var session = new Session();
        await session.StartAsync();
        using var client = session.App.CreateClient();
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"c-phone-user","traits":{"email":"phone@example.com","plan":"pro"}}"""));
        await client.PutAsync("/api/segments/pro", HttpJson.Body("""{"name":"Pro plan","rule":"text(\"plan\") == \"pro\""}"""));
        var person = await Eventually.GetAsync(() => ProfileAsync(client, "user_id:c-phone-user"), _ => true);

        var page = await session.SignedInAsync(390, 844);
        foreach (var (name, path) in new[] { ("overview", "/#/"), ("profile", $"/#/profiles/{person["id"]}"), ("segments", "/#/segments"), ("segment", "/#/segments/pro"), ("journeys", "/#/journeys"), ("journey-editor", "/#/journeys/new"), ("deadletters", "/#/deadletters"), ("audit", "/#/audit"), ("sources", "/#/sources") })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Main)).Not.ToBeEmptyAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{name}: the page is {overflow}px wider than a phone's screen");
            await ShotAsync(page, "phone-" + name);
        }

        // The keyboard reaches the navigation: the first Tab lands on the skip link, then the pages.
        await page.GotoAsync("/#/");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Tab"); // Overview
        await page.Keyboard.PressAsync("Tab"); // Profiles
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/profiles$"));
        Assert.Empty(session.ConsoleErrors);
    }
}
