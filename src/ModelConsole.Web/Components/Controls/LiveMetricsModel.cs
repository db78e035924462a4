using ModelConsole.Core.Telemetry;

namespace ModelConsole.Web.Components.Controls;

/// <summary>
/// The view state of a bundle's live charts: the finished steps of the window, and the current unfinished step,
/// which changes with every ingest and is drawn apart until it is over (half a minute is not a drop in traffic).
/// <see cref="Advance"/> says which steps to append, so a chart only ever receives new points. Steps are aligned to
/// multiples of the step since 00:00 UTC, as the metrics API aligns them; a step divides a day.
/// </summary>
public sealed class LiveMetricsModel(int windowMinutes, int stepMinutes = 1)
{
    private readonly List<MetricsPoint> _finished = [];

    public int WindowMinutes { get; } = windowMinutes;

    public int StepMinutes { get; } = stepMinutes;

    /// <summary>How many finished points the window holds (the charts' point limit).</summary>
    public int MaxPoints => Math.Max(1, WindowMinutes / StepMinutes);

    /// <summary>The start of the step <paramref name="t"/> falls in.</summary>
    public DateTime StepOf(DateTime t)
    {
        var minute = MinuteRollup.MinuteOf(t);
        var sinceMidnight = (int)(minute - minute.Date).TotalMinutes;
        return minute.Date.AddMinutes(sinceMidnight - sinceMidnight % StepMinutes);
    }

    public IReadOnlyList<MetricsPoint> Finished => _finished;

    /// <summary>The minute in progress so far, or null when it has no data.</summary>
    public MetricsPoint? Current { get; private set; }

    /// <summary>The first minute a refresh must read: the one after the last finished minute shown.</summary>
    public DateTime NextFrom { get; private set; }

    public long Requests => _finished.Sum(p => p.Requests) + (Current?.Requests ?? 0);

    public long Errors => _finished.Sum(p => p.Errors) + (Current?.Errors ?? 0);

    public double? ErrorRate => Requests == 0 ? null : (double)Errors / Requests;

    public double CostUsd => _finished.Sum(p => p.CostUsd ?? 0) + (Current?.CostUsd ?? 0);

    /// <summary>The window's first step for <paramref name="now"/>: the read of <see cref="Load"/> starts there.</summary>
    public DateTime WindowStart(DateTime now) => StepOf(now).AddMinutes(StepMinutes - WindowMinutes);

    /// <summary>Starts over from minute points covering the window that ends at <paramref name="now"/>.</summary>
    public void Load(IReadOnlyList<MetricsPoint> points, DateTime now)
    {
        _finished.Clear();
        Current = null;
        NextFrom = WindowStart(now);
        Advance(points, now);
    }

    /// <summary>
    /// Takes minute points from <see cref="NextFrom"/> up to <paramref name="now"/>; returns the minutes that are now
    /// finished and were not shown before (to append), and keeps the unfinished one as <see cref="Current"/>.
    /// </summary>
    public IReadOnlyList<MetricsPoint> Advance(IReadOnlyList<MetricsPoint> points, DateTime now)
    {
        var thisMinute = StepOf(now);
        var appended = new List<MetricsPoint>();
        Current = null;
        foreach (var point in points.OrderBy(p => p.T))
        {
            if (point.T < NextFrom)
            {
                continue;
            }

            if (point.T < thisMinute)
            {
                appended.Add(point);
            }
            else if (point.T == thisMinute && point.Requests > 0)
            {
                Current = point;
            }
        }

        if (appended.Count > 0)
        {
            _finished.AddRange(appended);
            NextFrom = appended[^1].T.AddMinutes(StepMinutes);
        }

        // Minutes that slid out of the window leave the totals (the charts drop them with their point limit).
        var first = WindowStart(now);
        _finished.RemoveAll(p => p.T < first);
        return appended;
    }
}
