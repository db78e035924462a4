using System.Text.Json;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Families;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// Seeds an empty demo database with realistic families and bundle lineages. Registrations and stage moves go
/// through the same code as the API, so the ledger reads like real history (gates without telemetry are overridden
/// with the reason "demo seed").
/// </summary>
public sealed class DemoSeeder(RegistryService registry, RegistryStore store, PipelineService pipeline, AlertStore alerts)
{
    public const string Actor = "demo-seed";

    /// <summary>The demo families' gateways, as the traffic simulator plays them (shares add up to 1).</summary>
    public static readonly IReadOnlyList<SimulatedFamily> Traffic =
    [
        new("support-agent", 0.40, "customer", 20_000),
        new("summarizer", 0.25, "meeting", 50_000),
        new("sql-copilot", 0.15, "analyst", 2_000),
        new("ticket-triage", 0.20, "ticket", 200_000),
    ];

    private const string SupportPromptV9 = """
        You are the support assistant for Northwind Cloud. Answer the customer's question using only the
        knowledge-base articles provided in <context>. If the answer is not in the context, say so and offer
        to open a ticket. Keep answers under 150 words. Never promise refunds.
        """;

    private const string SupportPromptV10 = """
        You are the support assistant for Northwind Cloud. Answer the customer's question using only the
        knowledge-base articles provided in <context>. If the answer is not in the context, say so and offer
        to open a ticket. Keep answers under 150 words. Never promise refunds.
        Cite the article id for every fact, like [KB-1042].
        When the customer is angry, acknowledge the problem in one sentence before answering.
        """;

    private const string SummarizerPromptV3 = """
        Summarize the following meeting transcript for someone who missed it.
        Output: a one-line headline, then at most five bullet points with decisions and owners.
        """;

    private const string SummarizerPromptV4 = """
        Summarize the following meeting transcript for someone who missed it.
        Output: a one-line headline, then at most five bullet points with decisions and owners.
        List open questions separately under "Open".
        """;

    private const string SummarizerPromptV5 = """
        Summarize the following meeting transcript for someone who missed it.
        Output: a one-line headline, then at most five bullet points with decisions, owners and due dates.
        List open questions separately under "Open". Do not invent dates that were not said.
        """;

    private const string SqlPrompt = """
        You translate analysts' questions into a single read-only PostgreSQL query over the schema in <schema>.
        Use only the tables and columns listed. Prefer CTEs over nested subqueries. Never write INSERT, UPDATE,
        DELETE or DDL. Return only the SQL, no prose.
        """;

    private const string TriagePrompt = """
        Classify the incoming ticket into exactly one queue: billing, outage, account, feature-request, other.
        Answer with the queue name only.
        """;

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await store.MarkDemoDatabaseAsync(cancellationToken);
        await Family("support-agent", "Customer support answers grounded in the knowledge base", "support-platform", cancellationToken);
        await Family("summarizer", "Meeting transcript summaries for people who missed the call", "productivity", cancellationToken);
        await Family("sql-copilot", "Natural-language questions to read-only SQL for analysts", "data-platform", cancellationToken);
        await Family("ticket-triage", "Routes incoming tickets to the right queue", "support-platform", cancellationToken);

        var gpt4o = new Pricing(2.50, 10.00, 1.25);
        var gpt41 = new Pricing(2.00, 8.00, 0.50);
        var sonnet = new Pricing(3.00, 15.00, 0.30);
        var haiku = new Pricing(0.80, 4.00, 0.08);
        var mini = new Pricing(0.15, 0.60, 0.075);
        var flash = new Pricing(0.30, 2.50, 0.075);

        var rag = Config("""{"temperature":0.2,"max_tokens":600,"top_p":1,"retrieval":{"k":6,"index":"kb-2026-10"}}""");
        var ragCooler = Config("""{"temperature":0.1,"max_tokens":600,"top_p":1,"retrieval":{"k":6,"index":"kb-2026-10"}}""");
        await Bundle("support-agent-v9", "support-agent", "openai", "gpt-4o-2024-11-20", SupportPromptV9, rag, null, gpt4o,
            Baseline(4_800, 0.014, 0.79, 0.12, 820, 2_300, 0.0061), null, "First grounded version.", cancellationToken);
        await Bundle("support-agent-v10", "support-agent", "openai", "gpt-4o-2024-11-20", SupportPromptV10, rag, "support-agent-v9", gpt4o,
            Baseline(5_200, 0.012, 0.83, 0.11, 860, 2_400, 0.0064), null, "Adds citations and an empathy line.", cancellationToken);
        await Bundle("support-agent-v11", "support-agent", "anthropic", "claude-sonnet-4-20250514", SupportPromptV10, rag, "support-agent-v10", sonnet,
            Baseline(3_000, 0.011, 0.85, 0.10, 940, 2_600, 0.0079), null, "Same prompt on Claude Sonnet 4.", cancellationToken);
        await Bundle("support-agent-v12", "support-agent", "anthropic", "claude-sonnet-4-20250514", SupportPromptV10, ragCooler, "support-agent-v11", sonnet,
            Baseline(1_500, 0.011, 0.86, 0.09, 930, 2_550, 0.0078), null, "Lower temperature for steadier citations.", cancellationToken);

        var summary = Config("""{"temperature":0.3,"max_tokens":400}""");
        await Bundle("summarizer-v3", "summarizer", "anthropic", "claude-3-5-haiku-20241022", SummarizerPromptV3, summary, null, haiku,
            Baseline(6_000, 0.006, 0.74, 0.14, 1_100, 2_900, 0.0021), null, null, cancellationToken);
        await Bundle("summarizer-v4", "summarizer", "anthropic", "claude-3-5-haiku-20241022", SummarizerPromptV4, summary, "summarizer-v3", haiku,
            Baseline(6_000, 0.006, 0.78, 0.13, 1_150, 3_000, 0.0022), null, "Separates open questions.", cancellationToken);
        await Bundle("summarizer-v5", "summarizer", "anthropic", "claude-3-5-haiku-20241022", SummarizerPromptV5, summary, "summarizer-v4", haiku,
            Baseline(2_000, 0.006, 0.80, 0.12, 1_200, 3_100, 0.0023), null, "Due dates, and no invented dates.", cancellationToken);

        var sql = Config("""{"temperature":0,"max_tokens":800,"response_format":"text"}""");
        var sqlTuned = Config("""{"temperature":0,"max_tokens":1200,"response_format":"text","reasoning_effort":"low"}""");
        await Bundle("sql-copilot-v1", "sql-copilot", "openai", "gpt-4o-mini-2024-07-18", SqlPrompt, sql, null, mini,
            Baseline(8_000, 0.021, 0.71, 0.18, 640, 1_700, 0.00042), null, null, cancellationToken);
        await Bundle("sql-copilot-v2", "sql-copilot", "openai", "gpt-4.1-2025-04-14", SqlPrompt, sqlTuned, "sql-copilot-v1", gpt41,
            Baseline(2_500, 0.012, 0.80, 0.15, 900, 2_200, 0.0051),
            "gpt-4.1 needs the larger token budget for long schemas; testing one without the other would fail on truncation.",
            "Model upgrade with its required token budget.", cancellationToken);

        await Bundle("ticket-triage-v1", "ticket-triage", "google", "gemini-2.5-flash", TriagePrompt, Config("""{"temperature":0,"max_tokens":8}"""), null, flash,
            Baseline(12_000, 0.003, 0.92, 0.08, 310, 620, 0.00009), null, null, cancellationToken);

        // Stages in the order history would have produced them.
        await Move("support-agent-v9", Stage.Active);
        await Move("support-agent-v10", Stage.Shadow, mirror: 10);
        await Move("support-agent-v10", Stage.Canary, percent: 5);
        await Move("support-agent-v10", Stage.Active);
        await Move("support-agent-v11", Stage.Shadow, mirror: 25);
        await Move("support-agent-v11", Stage.Canary, percent: 5);
        await Move("summarizer-v3", Stage.Active);
        await Move("summarizer-v4", Stage.Shadow, mirror: 50);
        await Move("summarizer-v4", Stage.Canary, percent: 10);
        await Move("summarizer-v4", Stage.Active);
        await Move("summarizer-v5", Stage.Shadow, mirror: 20);
        await Move("sql-copilot-v1", Stage.Active);
        await Move("ticket-triage-v1", Stage.Active);

        // The default rules need 200 calls in 5 minutes; a 5 % demo canary gets far fewer. The demo families judge
        // 10-minute windows from 50 calls, so a degradation started at /demo is caught within minutes at any hour.
        foreach (var family in Traffic)
        {
            var errors = new Core.Validation.ValidationErrors();
            var rules = RuleDraft.Defaults.Select(d => (d with { WindowMinutes = 10, MinSamples = 50 }).ToRule(0, errors)!).ToList();
            await alerts.ReplaceRulesAsync(family.Name, rules, expectedVersion: null, Actor, cancellationToken);
        }

        async Task Move(string bundle, Stage to, double? percent = null, double? mirror = null)
        {
            var request = new TransitionRequest(bundle, to, percent, mirror, Reason: "demo seed", Override: true);
            var outcome = await pipeline.TransitionAsync(bundle, request, new PipelineActor(Actor, MayOverride: true), cancellationToken);
            if (outcome?.Decision.Result is not { Succeeded: true })
            {
                throw new InvalidOperationException($"The demo seed could not move '{bundle}' to {to}: {outcome?.Decision.Result?.Message ?? outcome?.Decision.Conflict}");
            }
        }
    }

    private static JsonElement Config(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static Baseline Baseline(long samples, double errorRate, double quality, double qualitySd, double p50, double p95, double costPerCall) =>
        new(samples, errorRate, quality, qualitySd, p50, p95, costPerCall, costPerCall * 0.35, errorRate * 2.5);

    private async Task Family(string name, string description, string owner, CancellationToken cancellationToken)
    {
        var result = await registry.CreateFamilyAsync(new FamilyDraft(name, description, owner), Actor, cancellationToken);
        EnsureOk(result.Succeeded, name, result.Errors.ToDictionary(), result.Conflict);
    }

    private async Task Bundle(
        string name, string family, string provider, string modelId, string prompt, JsonElement config, string? parent,
        Pricing pricing, Baseline baseline, string? justification, string? notes, CancellationToken cancellationToken)
    {
        var fallbacks = provider == "openai"
            ? new[] { new FallbackTarget("azure-openai", modelId) }
            : [new FallbackTarget("openai", "gpt-4o-2024-11-20")];
        var draft = new BundleDraft(name, family, provider, modelId, prompt, config, parent, justification, pricing, baseline, fallbacks, notes);
        var result = await registry.RegisterAsync(draft, Actor, cancellationToken);
        EnsureOk(result.Succeeded, name, result.Errors.ToDictionary(), result.Conflict);
    }

    private static void EnsureOk(bool ok, string what, Dictionary<string, string[]> errors, string? conflict)
    {
        if (!ok)
        {
            var reasons = conflict ?? string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            throw new InvalidOperationException($"The demo seed could not create '{what}': {reasons}");
        }
    }
}
