using Microsoft.Extensions.Options;

namespace ModelConsole.Web.Services;

/// <summary>
/// Runs the traffic simulator in a demo database when <c>Demo:Simulate</c> is on: fills the last hour after a new
/// database is seeded, then posts one batch every <c>Demo:TickMilliseconds</c>. A failed tick is logged and the
/// next one tries again; the loop ends with the host.
/// </summary>
public sealed class SimulatorHost(
    TrafficSimulator simulator,
    Readiness readiness,
    IOptions<DemoOptions> options,
    TimeProvider clock,
    ILogger<SimulatorHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        if (!demo.ShouldSimulate)
        {
            return;
        }

        // Database start-up runs before this service, but wait for it rather than rely on registration order.
        while (!readiness.IsReady)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, stoppingToken);
        }

        if (!readiness.IsDemoDatabase)
        {
            logger.LogWarning("Demo:Simulate is on but this database holds no demo data; the traffic simulator stays off");
            return;
        }

        simulator.MarkRunning(true);
        try
        {
            if (readiness.SeededThisStart && demo.BackfillMinutes > 0)
            {
                var posted = await simulator.BackfillAsync(clock.GetUtcNow().UtcDateTime, demo.BackfillMinutes, stoppingToken);
                logger.LogInformation("Simulated the last {Minutes} minutes of demo traffic ({Events} events)", demo.BackfillMinutes, posted);
            }

            var tick = TimeSpan.FromMilliseconds(demo.TickMilliseconds);
            using var timer = new PeriodicTimer(tick, clock);
            var last = clock.GetUtcNow();
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                // After a stall (a paused machine), simulate at most a few ticks' worth rather than a flood.
                var seconds = Math.Min((now - last).TotalSeconds, tick.TotalSeconds * 5);
                last = now;
                try
                {
                    await simulator.TickAsync(now.UtcDateTime, seconds, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "A traffic simulator tick failed; the next one tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
        finally
        {
            simulator.MarkRunning(false);
        }
    }
}
