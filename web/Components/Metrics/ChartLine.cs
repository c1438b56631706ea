namespace Platform.Web.Components.Metrics;

/// <summary>One line of a <see cref="SeriesChart"/>: its name in the legend and a value per minute (null: no data).</summary>
public sealed record ChartLine(string Name, IReadOnlyList<double?> Values, string CssClass);
