using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Components.Pages;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Components;

/// <summary>The Rules page over the real console: field errors named where they are, nothing saved on a bad value.</summary>
public sealed class RulesPageTests : PageContext
{
    [Fact]
    public async Task AnEmptiedOrBadField_IsNamedBesideIt_AndNothingIsSaved_AGoodEditIs()
    {
        var family = await Api.CanaryFamilyAsync("rp");
        var before = (await Get<RulesService>().GetAsync(family, CancellationToken.None))!;
        var cut = RenderPage<Rules>(p => p.Add(r => r.Family, family));
        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid^=rule-row-]").Count));

        cut.Find("[data-testid=rule-z-0] input").Input("");
        cut.Find("[data-testid=rule-consecutive-1] input").Input("0");
        cut.Find("[data-testid=rules-save]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Give z a value.", cut.Find("[data-testid=rule-z-0]").TextContent, StringComparison.Ordinal);
            // Beside the field, in words; in the summary, as the API names it.
            Assert.Contains("Consecutive breaches is from 1 to 100", cut.Find("[data-testid=rule-consecutive-1]").TextContent, StringComparison.Ordinal);
            Assert.Contains("rule 2, consecutive", cut.Find("[data-testid=rules-invalid]").TextContent, StringComparison.Ordinal);
        });
        Assert.Equal(before.Version, (await Get<RulesService>().GetAsync(family, CancellationToken.None))!.Version);

        cut.Find("[data-testid=rule-z-0] input").Input("5");
        cut.Find("[data-testid=rule-consecutive-1] input").Input("3");
        cut.Find("[data-testid=rules-save]").Click();
        await WaitUntilAsync(async () => (await Get<RulesService>().GetAsync(family, CancellationToken.None))!.Version > before.Version);
        var after = (await Get<RulesService>().GetAsync(family, CancellationToken.None))!;
        Assert.Equal((5.0, 3), (after.Rules[0].Z, after.Rules[1].Consecutive));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=rules-invalid]")));
    }

    [Fact]
    public async Task ReadinessPercent_OutOfRange_SaysSo_AndKeepsTheLastGoodOne()
    {
        var family = await Api.CanaryFamilyAsync("rr", 5);
        var cut = RenderPage<Rules>(p => p.Add(r => r.Family, family));
        cut.WaitForAssertion(() => Assert.Contains("at 5 %", cut.Find("[data-testid=readiness-rule-0]").TextContent, StringComparison.Ordinal));

        cut.Find("[data-testid=readiness-percent] input").Input("80");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("from 1 to 50", cut.Find("[data-testid=readiness-percent]").TextContent, StringComparison.Ordinal);
            Assert.Contains("at 5 %", cut.Find("[data-testid=readiness-rule-0]").TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task OnCall_SeesTheRules_ButCannotEditThem()
    {
        var family = await Api.CanaryFamilyAsync("ro");
        SignInAs(Roles.OnCall);
        var cut = RenderPage<Rules>(p => p.Add(r => r.Family, family));
        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid^=rule-row-]").Count));
        Assert.Empty(cut.FindAll("[data-testid=rules-save]"));
        Assert.True(cut.Find("[data-testid=rule-z-0] input").HasAttribute("disabled"));
    }

    [Fact]
    public async Task AFamilyWithoutASequentialRule_IsOfferedOne_AddedWithOneClick_AndLedgered()
    {
        var family = await Api.CanaryFamilyAsync("rs");
        // A family as it was before sequential rules: the window rules only.
        var windowOnly = (await Get<RulesService>().GetAsync(family, CancellationToken.None))!.Rules.Where(r => !r.IsSequential).Select(Core.Thresholds.RuleDraft.Of).ToList();
        Assert.True((await Get<RulesService>().ReplaceAsync(family, windowOnly, null, "test", CancellationToken.None)).IsOk);

        SignInAs(Roles.OnCall);
        var readOnly = RenderPage<Rules>(p => p.Add(r => r.Family, family));
        readOnly.WaitForAssertion(() => Assert.Contains("no sequential rule", readOnly.Find("[data-testid=rules-offer-sequential]").TextContent, StringComparison.Ordinal));
        Assert.Empty(readOnly.FindAll("[data-testid=rules-add-sequential]")); // on call may not change rules

        SignInAs(Roles.ReleaseManager);
        var cut = Render<Rules>(p => p.Add(r => r.Family, family)); // beside the first page's providers
        cut.WaitForAssertion(() => Assert.Equal(6, cut.FindAll("[data-testid^=rule-row-]").Count));
        cut.Find("[data-testid=rules-add-sequential]").Click();
        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid^=rule-row-]").Count));
        Assert.Empty(cut.FindAll("[data-testid=rules-offer-sequential]"));

        var rules = (await Get<RulesService>().GetAsync(family, CancellationToken.None))!.Rules;
        Assert.Equal(windowOnly.Select(d => d.Id), rules.Take(6).Select(r => (long?)r.Id)); // the rules it had, kept as they were
        Assert.True(rules[6].IsSequential);
        var record = (await Get<LedgerStore>().ListAsync(family, null, 10, CancellationToken.None))[0];
        Assert.Equal(("rules-changed", "releasemanager"), (record.Action, record.Actor));
    }

    [Fact]
    public async Task AReleaseManagerDemotedWhileThePageIsOpen_StillSeesSave_ButTheServerRefusesIt_AndNothingIsSaved()
    {
        var family = await Api.CanaryFamilyAsync("rd");
        var name = "rm-" + Guid.NewGuid().ToString("N")[..6];
        System.Security.Claims.ClaimsPrincipal session;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var signIn = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.SignInManager<ConsoleUser>>();
            var user = new ConsoleUser { UserName = name };
            Assert.True((await signIn.UserManager.CreateAsync(user, "correct-horse-battery")).Succeeded);
            Assert.True((await signIn.UserManager.AddToRoleAsync(user, Roles.ReleaseManager)).Succeeded);
            session = await signIn.CreateUserPrincipalAsync(user);
        }

        // The circuit's user is the real session of the moment the page opened (the page shows what it allowed then).
        SignInAs(Roles.ReleaseManager);
        Auth.SetAuthorized(name);
        Auth.SetClaims([.. session.Claims.Where(c => c.Type != System.Security.Claims.ClaimTypes.Name && c.Type != System.Security.Claims.ClaimTypes.Role)]);
        Auth.SetAuthenticationType(Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme); // after the claims: they reset it
        var before = (await Get<RulesService>().GetAsync(family, CancellationToken.None))!;
        var ledger = (await Get<LedgerStore>().ListAsync(family, null, 100, CancellationToken.None)).Count;
        var snackbars = Render<MudBlazor.MudSnackbarProvider>();
        var cut = RenderPage<Rules>(p => p.Add(r => r.Family, family));
        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid^=rule-row-]").Count));

        var admin = Get<AdminService>();
        var id = (await admin.ListUsersAsync(CancellationToken.None)).Single(u => u.UserName == name).Id;
        await admin.SetRolesAsync(id, [Roles.Finance], "admin", CancellationToken.None);

        cut.Find("[data-testid=rule-z-0] input").Input("5");
        cut.Find("[data-testid=rules-save]").Click(); // the button is still there: the page has not noticed yet
        snackbars.WaitForAssertion(() => Assert.Contains("sign in again", snackbars.Markup, StringComparison.Ordinal));
        Assert.Equal(before.Version, (await Get<RulesService>().GetAsync(family, CancellationToken.None))!.Version);
        Assert.Equal(ledger, (await Get<LedgerStore>().ListAsync(family, null, 100, CancellationToken.None)).Count);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(50);
        }
    }
}

/// <summary>The family view over the real console: the canary dialog's gates are the family's planned samples.</summary>
public sealed class FamilyPageTests : PageContext
{
    [Fact]
    public async Task TheCanaryDialog_ShowsTheRulesPlannedSamples_AndRefusesWithoutAnOverride()
    {
        var family = "fp-" + Guid.NewGuid().ToString("N")[..8];
        await PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } }, HttpStatusCode.Created);
        await PostOkAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" }, HttpStatusCode.Created);
        await PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        Assert.Equal(HttpStatusCode.OK, (await Api.PutAsJsonAsync($"/api/v1/families/{family}/rules", new[] { new { metric = "errorRate", action = "rollback", minSamples = 5_000 } })).StatusCode);
        await PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 200).Select(i => new { requestId = "s" + i, bundle = family + "-v2", timestamp = DateTime.UtcNow, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = true }),
        }, HttpStatusCode.Accepted);

        var cut = RenderPage<FamilyPage>(p => p.Add(f => f.Family, family));
        cut.WaitForAssertion(() => cut.Find($"[data-testid=canary-{family}-v2]"));
        cut.Find($"[data-testid=canary-{family}-v2]").Click();

        Dialogs.WaitForAssertion(() => Assert.Contains("200 of 5,000 planned samples", Dialogs.Find("[data-testid=confirm-gates]").TextContent, StringComparison.Ordinal));
        Assert.True(Dialogs.Find("[data-testid=confirm-ok]").HasAttribute("disabled"));
        Assert.NotEmpty(Dialogs.FindAll("[data-testid=confirm-override]"));
        Assert.Equal("SHADOW", (await Get<PipelineService>().StateAsync(family, CancellationToken.None))!.Find(family + "-v2")!.Stage.ToString().ToUpperInvariant());
    }

    [Fact]
    public void AnUnknownFamily_SaysSo()
    {
        var cut = RenderPage<FamilyPage>(p => p.Add(f => f.Family, "no-such-family"));
        cut.WaitForAssertion(() => Assert.Contains("There is no family named", cut.Find("[data-testid=family-not-found]").TextContent, StringComparison.Ordinal));
    }
}

/// <summary>The Alerts page over the real console: acknowledge, resolve with a reason, and who may.</summary>
public sealed class AlertsPageTests : PageContext
{
    private async Task<long> RaiseAsync(string family)
    {
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        var alert = (await Get<AlertStore>().RaiseAsync(new AlertEntity
        {
            FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[1].Id, Metric = "errorRate",
            Action = "alert", Reference = "active", Derivation = "reference 1.00 %, candidate 9.00 % → breach", Observed = 0.09, Limit = 0.02,
            State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
        }, CancellationToken.None))!;
        return alert.Id;
    }

    [Fact]
    public async Task AFiringAlert_IsAcknowledged_ThenResolvedOnlyWithAReason()
    {
        var family = await Api.CanaryFamilyAsync("ap");
        var id = await RaiseAsync(family);
        SignInAs(Roles.OnCall);
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => Assert.Contains("9.00 %", cut.Find($"[data-testid=alert-row-{id}]").TextContent, StringComparison.Ordinal));

        cut.Find($"[data-testid=alert-ack-{id}]").Click();
        cut.WaitForAssertion(() => Assert.Equal("acknowledged", cut.Find($"[data-testid=alert-state-{id}]").TextContent.Trim()));

        cut.Find($"[data-testid=alert-resolve-{id}]").Click();
        cut.Find("[data-testid=alert-resolve-ok]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Say why, for the next person on call.", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("acknowledged", (await Get<AlertsService>().GetAsync(id, CancellationToken.None))!.State);

        cut.Find("[data-testid=alert-resolve-reason]").Change("provider incident, tracked elsewhere");
        cut.Find("[data-testid=alert-resolve-ok]").Click();
        await WaitForAsync(async () => (await Get<AlertsService>().GetAsync(id, CancellationToken.None))!.State == "resolved");
        Assert.Equal(("manual", "oncall"), ((await Get<AlertsService>().GetAsync(id, CancellationToken.None))!.Resolution, (await Get<AlertsService>().GetAsync(id, CancellationToken.None))!.ResolvedBy));
    }

    [Fact]
    public async Task Finance_SeesAlerts_WithoutActions()
    {
        var family = await Api.CanaryFamilyAsync("af");
        var id = await RaiseAsync(family);
        SignInAs(Roles.Finance);
        var cut = RenderPage<Alerts>();
        cut.WaitForAssertion(() => cut.Find($"[data-testid=alert-row-{id}]"));
        Assert.Empty(cut.FindAll($"[data-testid=alert-ack-{id}]"));
    }

    [Fact]
    public async Task MoreAlertsThanAPage_AreReadPageByPage_AndALinkToAnOldOneOpensItsPage()
    {
        var family = await Api.CanaryFamilyAsync("pg");
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        var ids = new List<long>();
        for (var i = 0; i < AlertsView.PageSize + 5; i++)
        {
            var at = DateTime.UtcNow.AddHours(-1);
            ids.Add((await Get<AlertStore>().RaiseAsync(new AlertEntity
            {
                FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[1].Id, Metric = "errorRate",
                Action = "alert", Reference = "active", Derivation = $"old alert {i}", Observed = 0.09, Limit = 0.02,
                State = AlertEntity.Resolved, RaisedAt = at, ResolvedAt = at.AddMinutes(1), Resolution = "healthy",
            }, CancellationToken.None))!.Id);
        }

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo($"/alerts?state=resolved&family={family}");
        var cut = RenderPage<Alerts>();
        int Rows() => cut.FindAll("[data-testid^=alert-row-]").Count;
        cut.WaitForAssertion(() => Assert.Equal(AlertsView.PageSize, Rows()));
        Assert.NotEmpty(cut.FindAll($"[data-testid=alert-row-{ids[^1]}]")); // newest first
        Assert.Empty(cut.FindAll($"[data-testid=alert-row-{ids[0]}]"));
        Assert.True(cut.Find("[data-testid=alerts-newer]").HasAttribute("disabled"));

        cut.Find("[data-testid=alerts-older]").Click();
        cut.WaitForAssertion(() => Assert.Equal(5, Rows()));
        Assert.Equal(ids.Take(5).Order(), cut.FindAll("[data-testid^=alert-row-]").Select(r => long.Parse(r.GetAttribute("data-testid")!["alert-row-".Length..], CultureInfo.InvariantCulture)).Order());
        Assert.Contains("Page 2", cut.Find("[data-testid=alerts-page]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("[data-testid=alerts-older]").HasAttribute("disabled"));

        cut.Find("[data-testid=alerts-newer]").Click();
        cut.WaitForAssertion(() => Assert.Equal(AlertsView.PageSize, Rows()));

        // A link to the oldest alert (a webhook's, a ledger record's) opens the page that starts with it.
        navigation.NavigateTo($"/alerts?state=resolved&family={family}&id={ids[2]}");
        var linked = Render<Alerts>();
        int LinkedRows() => linked.FindAll("[data-testid^=alert-row-]").Count;
        linked.WaitForAssertion(() => Assert.Equal(3, LinkedRows()));
        Assert.Contains("mc-highlight", linked.Find($"[data-testid=alert-row-{ids[2]}]").ClassName, StringComparison.Ordinal);
        linked.Find("[data-testid=alerts-newest]").Click();
        linked.WaitForAssertion(() => Assert.Equal(AlertsView.PageSize, LinkedRows()));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(50);
        }
    }
}

/// <summary>The experiment page over the real console: the plan, what was observed, and a conclusion that needs a reason.</summary>
public sealed class ExperimentPageTests : PageContext
{
    [Fact]
    public async Task ARunningExperiment_ShowsItsPlanAndCounts_AndConcludingNeedsAReason()
    {
        var family = await Api.CanaryFamilyAsync("ep", 10);
        var created = await Api.PostAsJsonAsync("/api/v1/experiments", new
        {
            family, armB = family + "-v2", splitBPercent = 20, metric = "errorRate", mde = 0.5, mdeType = "relative", alpha = 0.05, power = 0.8, baseline = 0.05,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<string>();
        var now = DateTime.UtcNow;
        await PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 30).Select(i => new { requestId = "a" + i, bundle = family + "-v1", timestamp = now, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = true, subject = "s" + i })
                .Concat(Enumerable.Range(0, 8).Select(i => new { requestId = "b" + i, bundle = family + "-v2", timestamp = now, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = true, subject = "t" + i })),
        }, HttpStatusCode.Accepted);

        var cut = RenderPage<ExperimentPage>(p => p.Add(e => e.Id, id));
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("30", cut.Find("[data-testid=experiment-observed-a-count]").TextContent.Trim());
            Assert.Equal("8", cut.Find("[data-testid=experiment-observed-b-count]").TextContent.Trim());
        });
        Assert.Contains("Not enough data yet", cut.Markup, StringComparison.Ordinal);

        cut.Find("[data-testid=experiment-conclude]").Click();
        cut.WaitForAssertion(() => cut.Find("[data-testid=conclude-panel]"));
        cut.FindAll("[data-testid=conclude-decision] input")[1].Click();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=conclude-ok]").HasAttribute("disabled")));
        cut.Find("[data-testid=conclude-ok]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Say why", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("running", (await Get<ExperimentService>().GetAsync(id, CancellationToken.None))!.Experiment.State);
    }

    [Fact]
    public async Task BClearlyBetterAtAThirdOfThePlan_ShowsBothAnalyses_AndAnEarlyShipB()
    {
        var family = await Api.CanaryFamilyAsync("eq", 20);
        var created = await Api.PostAsJsonAsync("/api/v1/experiments", new
        {
            family, armB = family + "-v2", splitBPercent = 20, metric = "errorRate", mde = 0.5, mdeType = "relative", alpha = 0.05, power = 0.8, baseline = 0.05,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var plan = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!;
        var id = plan["id"]!.GetValue<string>();
        var (planA, planB) = (plan["plannedPerArm"]!.GetValue<long>(), plan["plannedPerArmB"]!.GetValue<long>());
        // A third of the plan: A fails 5 % of calls, B none.
        var now = DateTime.UtcNow;
        var events = Enumerable.Range(0, (int)(planA / 3)).Select(i => new { requestId = "qa" + i, bundle = family + "-v1", timestamp = now, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = i % 20 != 0 })
            .Concat(Enumerable.Range(0, (int)(planB / 3)).Select(i => new { requestId = "qb" + i, bundle = family + "-v2", timestamp = now, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = true }))
            .ToList();
        foreach (var chunk in events.Chunk(5_000))
        {
            await PostOkAsync("/api/v1/telemetry", new { events = chunk }, HttpStatusCode.Accepted);
        }

        var cut = RenderPage<ExperimentPage>(p => p.Add(e => e.Id, id));
        cut.WaitForAssertion(() => Assert.StartsWith("B is better", cut.Find("[data-testid=experiment-advice]").TextContent.Trim(), StringComparison.Ordinal));
        Assert.Contains("Always valid", cut.Find("[data-testid=experiment-sequential]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Decided by the always-valid analysis before the plan", cut.Find("[data-testid=experiment-analysis]").TextContent, StringComparison.Ordinal);
        // The API says the same: the fixed analysis alone would wait (a third of the plan), the always-valid one allows it.
        var result = (await Api.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/experiments/{id}"))!["result"]!;
        Assert.Equal("shipB", (string?)result["decision"]);
        var sequential = result["sequential"]!;
        Assert.True(sequential["pValue"]!.GetValue<double>() < 0.05);
        Assert.Equal(planA + planB, sequential["tuning"]!.GetValue<double>());
        Assert.True(sequential["ciHigh"]!.GetValue<double>() < 0);
    }

    [Fact]
    public void AnUnknownExperiment_SaysSo()
    {
        var cut = RenderPage<ExperimentPage>(p => p.Add(e => e.Id, "exp-000000000000"));
        cut.WaitForAssertion(() => Assert.Contains("exp-000000000000", cut.Markup, StringComparison.Ordinal));
    }
}

/// <summary>The Audit page over the real console: the ledger read a page at a time.</summary>
public sealed class AuditPageTests : PageContext
{
    [Fact]
    public async Task MoreRecordsThanAPage_AreReadPageByPage()
    {
        var actor = "audit-pager-" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 203; i++)
        {
            await Get<LedgerStore>().AppendAsync(DateTime.UtcNow, actor, "test-record", null, null, $"record {i}", new { i }, CancellationToken.None);
        }

        Services.GetRequiredService<NavigationManager>().NavigateTo("/audit?actor=" + actor);
        var cut = RenderPage<Audit>();
        int Rows() => cut.FindAll("[data-testid^=audit-row-]").Count;
        cut.WaitForAssertion(() => Assert.Equal(200, Rows()));
        string FirstReason() => cut.Find("[data-testid=audit-table] tbody tr").QuerySelectorAll("td")[5].TextContent.Trim();
        Assert.Equal("record 202", FirstReason());

        cut.Find("[data-testid=audit-older]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows()));
        Assert.Equal("record 2", FirstReason());
        Assert.True(cut.Find("[data-testid=audit-older]").HasAttribute("disabled"));

        cut.Find("[data-testid=audit-newer]").Click();
        cut.WaitForAssertion(() => Assert.Equal(200, Rows()));
    }
}
