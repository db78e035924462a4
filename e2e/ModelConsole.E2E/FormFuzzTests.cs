using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>
/// Types what people type into every numeric field of every page and dialog: empty, negative, huge, non-numeric,
/// over-precise. No value may end the circuit (the error bar, a console error), none may be changed behind the
/// person's back (the field keeps what was typed), and a non-number is named next to its field. Bad query values
/// open their page with a message.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class FormFuzzTests(ConsoleServer server) : BrowserTest(server)
{
    private static readonly string[] Values = ["", "-5", "0", "1e9", "abc", "0.123456789012345678", "1e400", "  7  ", "25", "2.5"];

    /// <summary>Types every value into every text input under <paramref name="scope"/> whose container is one of <paramref name="fields"/>.</summary>
    private static async Task FuzzAsync(IPage page, ILocator scope, IEnumerable<string> fields)
    {
        foreach (var field in fields)
        {
            var input = scope.GetByTestId(field).Locator("input").First;
            if (!await input.IsEnabledAsync())
            {
                continue;
            }

            foreach (var value in Values)
            {
                await input.FillAsync(value);
                await input.PressAsync("Tab");
                await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
                // Never clamped nor trimmed of characters behind the person's back.
                await Expect(input).ToHaveValueAsync(value, new() { Timeout = 5_000 });
                if (value is "abc" or "1e400")
                {
                    // A decimal field calls 1e400 too large, a whole-number field not a whole number that fits.
                    await Expect(scope.GetByTestId(field)).ToContainTextAsync(
                        new System.Text.RegularExpressions.Regex(value == "abc" ? "is not a (whole )?number" : "too large|not a whole number that fits"), new() { Timeout = 5_000 });
                }
            }

            await Expect(page.Locator("[data-interactive='true']")).ToBeAttachedAsync();
        }
    }

    [Fact]
    public Task EveryNumericField_TakesAnythingTyped_AndNeverEndsTheCircuit() => RunAsync(nameof(EveryNumericField_TakesAnythingTyped_AndNeverEndsTheCircuit), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "fz");

        // The planner: every field.
        await OpenAsync(page, "/planner");
        await FuzzAsync(page, page.Locator("body"),
        [
            "planner-baseline", "planner-mde", "planner-alpha", "planner-power", "planner-inflation", "planner-requests-per-day",
            "planner-mirror-percent", "planner-shadow-cost", "planner-active-cost",
        ]);
        await page.GetByTestId("planner-metric").Locator(".mud-input-control").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "A mean", Exact = false }).First.ClickAsync();
        await FuzzAsync(page, page.Locator("body"), ["planner-stddev"]);

        // The ramp dialog's percent.
        await OpenAsync(page, $"/families/{family}");
        await page.GetByTestId($"ramp-{family}-v2").ClickAsync();
        var confirm = page.GetByTestId("confirm-dialog");
        await FuzzAsync(page, confirm, ["confirm-percent"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();

        // The register dialog's prices.
        await page.GetByTestId("register-bundle").ClickAsync();
        var register = page.GetByTestId("register-dialog");
        await Expect(register).ToBeVisibleAsync();
        if (!await register.GetByTestId("register-price-input").Locator("input").IsVisibleAsync())
        {
            await register.GetByText("Pricing, failover and notes", new() { Exact = false }).First.ClickAsync();
            await Expect(register.GetByTestId("register-price-input").Locator("input")).ToBeVisibleAsync();
        }

        await FuzzAsync(page, register, ["register-price-input", "register-price-cached", "register-price-output"]);
        await page.GetByTestId("register-cancel").ClickAsync();
        await Expect(register).ToBeHiddenAsync();

        // The new experiment dialog.
        await OpenAsync(page, "/experiments");
        await page.GetByTestId("experiment-new").ClickAsync();
        var experiment = page.GetByTestId("new-experiment-dialog");
        await Expect(experiment.GetByTestId("experiment-split")).ToBeVisibleAsync();
        await FuzzAsync(page, experiment, ["experiment-split", "experiment-baseline", "experiment-mde", "experiment-alpha", "experiment-power"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(experiment).ToBeHiddenAsync();

        // The rules page: readiness and every number of the first rule.
        await OpenAsync(page, $"/families/{family}/rules");
        await FuzzAsync(page, page.Locator("body"),
            ["readiness-percent", "rule-z-0", "rule-minEffect-0", "rule-minAbsoluteEffect-0", "rule-tolerance-0", "rule-windowMinutes-0", "rule-minSamples-0", "rule-consecutive-0", "rule-alpha-6"]);

        // The demo page's degradation.
        await OpenAsync(page, "/demo");
        await FuzzAsync(page, page.Locator("body"), ["demo-amount", "demo-duration"]);

        // Bad query values open the page with a message, never an error.
        foreach (var (path, message) in new[] { ("/compare?window=abc", "compare-query-problem"), ("/alerts?state=angry&id=x", "alerts-query-problem") })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await Expect(page.GetByTestId(message)).ToBeVisibleAsync();
        }
    }, user: "admin");
}
