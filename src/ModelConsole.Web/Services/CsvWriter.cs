using System.Globalization;
using System.Text;

namespace ModelConsole.Web.Services;

/// <summary>
/// The one CSV writer of every export: RFC 4180 quoting, invariant numbers rounded for people (ten significant
/// digits: no float noise such as 0.30000000000000004), and text defused so a spreadsheet never reads a value as a
/// formula (a leading <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or carriage return gets a quote mark first).
/// </summary>
public sealed class CsvWriter
{
    private readonly StringBuilder _text = new();

    /// <summary>Writes one row of cells: text, numbers (rounded), booleans (true/false) and nulls (empty).</summary>
    public CsvWriter Row(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                _text.Append(',');
            }

            _text.Append(Cell(cells[i]));
        }

        _text.Append("\r\n");
        return this;
    }

    /// <summary>An empty line between sections.</summary>
    public CsvWriter Blank()
    {
        _text.Append("\r\n");
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => _text.ToString();

    /// <summary>One cell as it is written.</summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        double d => Number(d),
        float f => Number(f),
        bool b => b ? "true" : "false",
        DateTime t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        IFormattable n and not Enum => n.ToString(null, CultureInfo.InvariantCulture),
        _ => Text(value.ToString() ?? ""),
    };

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("G10", CultureInfo.InvariantCulture) : "";

    private static string Text(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
