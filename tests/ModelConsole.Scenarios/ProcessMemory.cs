using System.Globalization;

namespace ModelConsole.Scenarios;

/// <summary>A process's resident memory, read from Linux's /proc (what the console costs the machine, GC heap and all).</summary>
public static class ProcessMemory
{
    /// <summary>The resident set size of <paramref name="pid"/> in MB, or NaN when /proc does not say.</summary>
    public static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}
