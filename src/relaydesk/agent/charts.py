"""Small server-rendered SVG charts for the statistics page.

Each chart is an inline `<svg role="img">` with a `<title>` and a `<desc>`
(screen readers announce them; the page also shows every number in a table).
Colours come from CSS classes (pages.css), so they follow the design tokens.
Every text is escaped with format_html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    values: Sequence[float]


def n(value: float) -> str:
    """A coordinate for the SVG: one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _frame(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=desc,
        body=mark_safe(body),  # noqa: S308 - built from format_html parts only
    )


def grouped_columns(
    chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """Columns per label (e.g. per day), one per series side by side, with a y axis."""
    width, height, left, bottom, top = 760, 240, 36, 40, 12
    plot_h = height - bottom - top
    top_value = _nice_max(max((v for s in series for v in s.values), default=0))
    slot = (width - left - 8) / max(len(labels), 1)
    bar = max(slot / (len(series) + 1), 1)
    parts: list[str] = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - 8,
                n(y),
                n(y),
                left - 4,
                n(y + 4),
                f"{top_value * fraction:g}",
            )
        )
    for index, label in enumerate(labels):
        x0 = left + index * slot + bar / 2
        for offset, line in enumerate(series):
            value = line.values[index]
            bar_h = plot_h * value / top_value
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {} {}</title></rect>",
                    line.css_class,
                    n(x0 + offset * bar),
                    n(top + plot_h - bar_h),
                    n(bar),
                    n(bar_h),
                    label,
                    f"{value:g}",
                    line.label,
                )
            )
        if index % 5 == 0 or index == len(labels) - 1:
            parts.append(
                format_html(
                    '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    n(x0 + bar * len(series) / 2),
                    height - bottom + 16,
                    label,
                )
            )
    parts.append(_legend(series, left, height - 8))
    return _frame(chart_id, title, desc, width, height, "".join(parts))


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    return format_html_join(
        "",
        '<rect class="{}" x="{}" y="{}" width="10" height="10"/>'
        '<text class="chart-legend" x="{}" y="{}">{}</text>',
        (
            (line.css_class, n(x + i * 140), n(y - 9), n(x + i * 140 + 14), n(y), line.label)
            for i, line in enumerate(series)
        ),
    )


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
) -> SafeString:
    """One horizontal bar per label; several series are stacked (e.g. state categories)."""
    row_h, left, width = 26, 150, 760
    legend_h = 24 if len(series) > 1 else 0
    height = max(len(labels), 1) * row_h + 8 + legend_h
    totals = [sum(line.values[i] for line in series) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    plot_w = width - left - 60
    parts: list[str] = []
    for index, label in enumerate(labels):
        y = 4 + index * row_h
        parts.append(
            format_html(
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left - 6,
                y + 15,
                label if len(label) <= 22 else label[:21] + "…",
            )
        )
        x = float(left)
        for line in series:
            value = line.values[index]
            bar_w = plot_w * value / top_value
            if value:
                parts.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="18">'
                        "<title>{}: {} {}{}</title></rect>",
                        line.css_class,
                        n(x),
                        y + 2,
                        n(bar_w),
                        label,
                        f"{value:g}",
                        unit,
                        f" ({line.label})" if len(series) > 1 else "",
                    )
                )
            x += bar_w
        parts.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}">{}{}</text>',
                n(x + 4),
                y + 15,
                f"{totals[index]:g}",
                unit,
            )
        )
    if legend_h:
        parts.append(_legend(series, 8, height - 4))
    return _frame(chart_id, title, desc, width, height, "".join(parts))
