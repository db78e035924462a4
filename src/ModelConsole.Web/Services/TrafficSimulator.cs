using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Web.Services;

/// <summary>What the simulator has done since start, for the demo page.</summary>
public sealed record SimulatorStatus(bool Running, long Requests, long ShadowCalls, long Batches, DateTime? LastTickAt, string? LastProblem);

/// <summary>
/// Plays the gateways of the demo families: each simulated request resolves its subject through the routing snapshot
/// (canary split, mirroring and experiments exactly as a gateway would), and the calls are posted as telemetry
/// batches through the real ingest code, tagged <c>simulated</c>. Behaviour per bundle comes from its registered
/// baseline and prices, with any demo degradation applied. One tick at a time (the host's loop, or a test).
/// </summary>
public sealed class TrafficSimulator(
    RoutingSnapshot routing,
    TelemetryService telemetry,
    RegistryService registry,
    DemoDegradations degradations,
    IOptions<DemoOptions> options,
    ILogger<TrafficSimulator> logger)
{
    private readonly ConcurrentDictionary<string, BundleBehaviour> _behaviours = new(StringComparer.Ordinal);
    private readonly Random _random = options.Value.Seed is { } seed ? new Random(seed) : new Random();
    private readonly string _run = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
    private TrafficGenerator? _generator;
    private long _requests;
    private long _shadowCalls;
    private long _batches;
    private DateTime? _lastTickAt;
    private string? _lastProblem;
    private bool _running;

    public SimulatorStatus Status => new(Volatile.Read(ref _running), Interlocked.Read(ref _requests), Interlocked.Read(ref _shadowCalls),
        Interlocked.Read(ref _batches), _lastTickAt, _lastProblem);

    internal void MarkRunning(bool running) => Volatile.Write(ref _running, running);

    /// <summary>
    /// Simulates the requests of the <paramref name="seconds"/> that end at <paramref name="now"/> and posts them as
    /// one batch. Returns the number of events posted (primary and shadow calls).
    /// </summary>
    public Task<int> TickAsync(DateTime now, double seconds, CancellationToken cancellationToken) =>
        RunAsync(now, seconds, backfill: false, cancellationToken);

    /// <summary>
    /// Fills the <paramref name="minutes"/> before <paramref name="now"/> with the active bundles' traffic only: the
    /// candidates entered their stages when the database was seeded, so the past holds no canary or shadow calls.
    /// </summary>
    public async Task<int> BackfillAsync(DateTime now, int minutes, CancellationToken cancellationToken)
    {
        var posted = 0;
        for (var m = minutes; m >= 1; m--)
        {
            posted += await RunAsync(now.AddMinutes(1 - m), 60, backfill: true, cancellationToken);
        }

        return posted;
    }

    private async Task<int> RunAsync(DateTime end, double seconds, bool backfill, CancellationToken cancellationToken)
    {
        _generator ??= new TrafficGenerator(_random);
        var table = routing.Current;
        var active = degradations.All;
        var rate = options.Value.RequestsPerSecond * TrafficShape.Factor(end);
        var events = new List<TelemetryEvent?>();
        var shadows = 0;
        foreach (var family in DemoSeeder.Traffic)
        {
            if (!table.Families.TryGetValue(family.Name, out var route) || route.Active is null)
            {
                continue;
            }

            var arrivals = _generator.Arrivals(rate * family.Share, seconds);
            for (var i = 0; i < arrivals; i++)
            {
                var subject = _generator.Subject(family.SubjectPrefix, family.Subjects);
                var decision = backfill
                    ? new RouteDecision(RouteOutcome.Served, route, route.Active, default, [], null, '\0')
                    : table.Resolve(family.Name, subject);
                if (decision.Outcome != RouteOutcome.Served || decision.Bundle is null)
                {
                    continue;
                }

                var at = end.AddSeconds(-_random.NextDouble() * seconds);
                var requestId = $"sim-{_run}-{++_requests:x}";
                var behaviour = (await BehaviourAsync(decision.Bundle, cancellationToken)).Degraded(Of(active, decision.Bundle), at);
                var call = _generator.Call(behaviour);
                events.Add(Event(requestId, decision.Bundle, at, subject, call, shadowOf: null));
                if (decision.MirrorTo is { } mirror)
                {
                    var shadowBehaviour = (await BehaviourAsync(mirror, cancellationToken)).Degraded(Of(active, mirror), at);
                    // The shadow call is a request of its own that names the one it mirrored.
                    events.Add(Event(requestId + "-shadow", mirror, at, subject, _generator.Shadow(call, behaviour, shadowBehaviour), shadowOf: requestId));
                    shadows++;
                }
            }
        }

        _lastTickAt = end;
        if (events.Count == 0)
        {
            return 0;
        }

        var result = await telemetry.IngestAsync(new TelemetryBatch { Events = events }, cancellationToken);
        Interlocked.Add(ref _shadowCalls, shadows);
        Interlocked.Increment(ref _batches);
        if (result.Rejected.Count > 0)
        {
            // A simulator that produces invalid events is a bug: say it once per tick, with the first reason.
            var first = result.Rejected[0];
            _lastProblem = $"{result.Rejected.Count} simulated events rejected, e.g. {string.Join("; ", first.Errors.Select(e => e.Key + ": " + string.Join(" ", e.Value)))}";
            logger.LogWarning("The traffic simulator's batch had rejected events: {Problem}", _lastProblem);
        }

        return result.Accepted;
    }

    private static IEnumerable<Degradation> Of(IEnumerable<Degradation> all, string bundle) => all.Where(d => d.Bundle == bundle);

    private async ValueTask<BundleBehaviour> BehaviourAsync(string bundle, CancellationToken cancellationToken)
    {
        if (_behaviours.TryGetValue(bundle, out var known))
        {
            return known;
        }

        // Bundles are immutable, so a behaviour derived once holds for the process's life.
        var detail = await registry.GetBundleAsync(bundle, cancellationToken);
        var behaviour = BundleBehaviour.From(detail?.Baseline, detail?.Pricing);
        _behaviours[bundle] = behaviour;
        return behaviour;
    }

    private static TelemetryEvent Event(string requestId, string bundle, DateTime at, string subject, SimulatedCall call, string? shadowOf) => new()
    {
        RequestId = requestId,
        Bundle = bundle,
        Timestamp = at,
        LatencyMs = Math.Round(call.LatencyMs, 1),
        InputTokens = call.InputTokens,
        OutputTokens = call.OutputTokens,
        CachedInputTokens = call.CachedInputTokens,
        Success = call.Success,
        ErrorType = call.ErrorType,
        QualityScore = call.QualityScore,
        Feedback = call.Feedback,
        Subject = subject,
        OutputHash = call.OutputHash,
        Agreement = call.Agreement,
        ShadowOf = shadowOf,
        Simulated = true,
    };
}
