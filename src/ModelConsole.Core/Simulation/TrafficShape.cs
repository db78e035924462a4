namespace ModelConsole.Core.Simulation;

/// <summary>
/// The daily shape of simulated traffic: a smooth curve with its trough at 04:00 UTC (35 % of the peak) and its
/// peak at 16:00 UTC, so charts show day and night like a real gateway's.
/// </summary>
public static class TrafficShape
{
    public const double Trough = 0.35;

    public static double Factor(DateTime utc)
    {
        var hour = utc.TimeOfDay.TotalHours;
        return Trough + (1 - Trough) * (0.5 - 0.5 * Math.Cos(2 * Math.PI * (hour - 4) / 24));
    }
}

/// <summary>A family the simulator feeds: its share of the demo traffic and how its gateway names subjects.</summary>
public sealed record SimulatedFamily(string Name, double Share, string SubjectPrefix, int Subjects);
