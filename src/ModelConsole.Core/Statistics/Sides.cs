namespace ModelConsole.Core.Statistics;

/// <summary>One- or two-sided test; the value is the number of tails α is split over (z uses α / sides).</summary>
public enum Sides
{
    One = 1,
    Two = 2,
}
