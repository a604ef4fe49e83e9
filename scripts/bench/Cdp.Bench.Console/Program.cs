using System.Globalization;
using Microsoft.Playwright;

// Usage: Cdp.Bench.Console BASE_URL ADMIN_TOKEN [RUNS]. Prints a Markdown table.
// Each run is a fresh browser context (no cache, no storage): the sign-in page's first load, then, signed in, the
// overview's first load until its figures are shown (they come from the admin API). Sizes are what the browser's
// Resource Timing reports (transferSize: headers and body as sent); times are from the navigation's start.
var url = args.Length > 0 ? args[0].TrimEnd('/') : throw new ArgumentException("Give Cdp.Local's URL and the admin token.");
var token = args.Length > 1 ? args[1] : throw new ArgumentException("Give the admin token.");
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

const string Transferred = """
    () => {
      const [nav] = performance.getEntriesByType('navigation');
      const resources = performance.getEntriesByType('resource');
      const sum = (f) => resources.reduce((n, r) => n + f(r), 0);
      return [nav.transferSize + sum(r => r.transferSize), nav.decodedBodySize + sum(r => r.decodedBodySize), resources.length + 1];
    }
    """;

var signIn = new List<(double Ms, double Bytes, double Body, double Requests)>();
var overview = new List<(double Ms, double Bytes, double Body, double Requests)>();
for (var run = 0; run <= runs; run++)
{
    await using (var context = await browser.NewContextAsync())
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(url + "/", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.GetByLabel("Admin token").WaitForAsync();
        var ms = await page.EvaluateAsync<double>("() => performance.now()");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var sizes = await page.EvaluateAsync<double[]>(Transferred);
        if (run > 0)
        {
            signIn.Add((ms, sizes[0], sizes[1], sizes[2]));
        }
    }

    await using (var context = await browser.NewContextAsync())
    {
        await context.AddInitScriptAsync($"sessionStorage.setItem('cdp.adminToken', {System.Text.Json.JsonSerializer.Serialize(token)});");
        var page = await context.NewPageAsync();
        await page.GotoAsync(url + "/#/", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.Locator(".tiles").First.WaitForAsync();
        var ms = await page.EvaluateAsync<double>("() => performance.now()");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var sizes = await page.EvaluateAsync<double[]>(Transferred);
        if (run > 0)
        {
            overview.Add((ms, sizes[0], sizes[1], sizes[2]));
        }
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

Console.WriteLine("| page (fresh browser, no cache) | requests | bytes transferred | bytes of content (decoded) | time to interactive, median ms | slowest ms |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var (name, samples) in new[] { ("sign-in page: until the token field can be used", signIn), ("overview, signed in: until its figures are shown (admin API calls included)", overview) })
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(samples.Select(s => s.Requests)):0} | {Median(samples.Select(s => s.Bytes)):N0} | {Median(samples.Select(s => s.Body)):N0} | {Median(samples.Select(s => s.Ms)):0} | {samples.Max(s => s.Ms):0} |"));
}
