using BenchmarkDotNet.Running;
using ModelConsole.Benchmarks;

// Several tools in one: the BenchmarkDotNet suite (default), the bare Kestrel baseline for the route load script
// ("bare-kestrel"), the fixed-rate latency client ("fixed-rate"), and the telemetry load client and its bare-insert
// baseline ("ingest", "bare-insert"), the evaluation pass, heavy reads, the routing vectors' writer ("routing-vectors") and the continuous-monitoring
// harness ("monitoring").
return args.FirstOrDefault() switch
{
    "bare-kestrel" => await BareKestrel.RunAsync(args[1..]),
    "fixed-rate" => await FixedRateClient.RunAsync(args[1..]),
    "ingest" => await IngestLoad.RunAsync(args[1..]),
    "ingest-otlp" => await IngestLoad.RunAsync(args[1..], otlp: true),
    "bare-insert" => await IngestLoad.BareInsertAsync(args[1..]),
    "evaluation-pass" => await EvaluationPassBenchmarks.TimeAsync(args[1..]),
    "heavy-reads" => await HeavyReads.RunAsync(args[1..]),
    "routing-vectors" => await RoutingVectors.WriteAsync(args[1..]),
    "monitoring" => Monitoring.Run(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(RouteResolveBenchmarks).Assembly).Run(args);
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}
