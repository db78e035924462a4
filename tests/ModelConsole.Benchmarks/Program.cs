using BenchmarkDotNet.Running;
using ModelConsole.Benchmarks;

// Three tools in one: the BenchmarkDotNet suite (default), the bare Kestrel baseline for the load script
// ("bare-kestrel"), and the fixed-rate latency client ("fixed-rate").
return args.FirstOrDefault() switch
{
    "bare-kestrel" => await BareKestrel.RunAsync(args[1..]),
    "fixed-rate" => await FixedRateClient.RunAsync(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(RouteResolveBenchmarks).Assembly).Run(args);
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}
