"""HDR latency histograms: exact to 0.1 %, mergeable across seconds and workers, cheap to ship.

Values are recorded in microseconds (so sub-millisecond answers from a local
site keep their resolution) and read back in milliseconds. Unlike Locust's own
statistics, which round response times to two significant digits, a percentile
read here is within 0.1 % of the recorded value it stands for.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 600_000_000  # ten minutes; anything slower is clamped, no client waits that long
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 95.0, 99.0)


def new_histogram() -> HdrHistogram:
    """An empty histogram covering 1 µs to 10 min at three significant digits."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_ms(histogram: HdrHistogram, latency_ms: float) -> None:
    """Record one latency given in milliseconds (clamped to the histogram's range)."""
    histogram.record_value(min(max(round(latency_ms * 1000), LOWEST_US), HIGHEST_US))


def measured_latency_ms(response_time_ms: float, context: Mapping[str, object] | None, now: float) -> float:
    """The latency to record for a request event fired at epoch ``now``.

    Open-model visitors put ``context["intended_start"]`` (epoch seconds at which
    the request should have been sent). Then the latency runs from that moment, not
    from when a backed-up client finally sent it, so a stalled site cannot hide its
    delay behind the generator's own queue (coordinated omission).
    """
    intended = context.get("intended_start") if context else None
    if isinstance(intended, int | float) and not isinstance(intended, bool):
        return max(response_time_ms, (now - float(intended)) * 1000.0)
    return response_time_ms


def percentiles_ms(histogram: HdrHistogram, percentiles: Iterable[float] = PERCENTILES) -> dict[float, float]:
    """Percentile -> milliseconds; empty dict when nothing was recorded."""
    if histogram.get_total_count() == 0:
        return {}
    values = histogram.get_percentile_to_value_dict(list(percentiles))
    return {p: us / 1000.0 for p, us in values.items()}


def percentile_fields(
    histogram: HdrHistogram, ok_histogram: HdrHistogram | None = None
) -> dict[str, float | None]:
    """The percentile fields a timeline row, a window, the totals and a page share: ``p50_ms``,
    ``p95_ms``, ``p99_ms`` of ``histogram`` and, given the successes' histogram, ``p95_ok_ms`` and
    ``p99_ok_ms``; each None when nothing was recorded."""
    quantiles = percentiles_ms(histogram)
    fields = {"p50_ms": quantiles.get(50.0), "p95_ms": quantiles.get(95.0), "p99_ms": quantiles.get(99.0)}
    if ok_histogram is not None:
        ok_quantiles = percentiles_ms(ok_histogram)
        fields |= {"p95_ok_ms": ok_quantiles.get(95.0), "p99_ok_ms": ok_quantiles.get(99.0)}
    return fields


def mean_ms(histogram: HdrHistogram) -> float | None:
    """The mean recorded latency in milliseconds (``HdrHistogram.get_mean_value``'s), or None when empty.

    hdrh walks its buckets in Python (80 ms for a 30 s window at 1,000 requests/s, every second
    an SLO is judged); here each bucket's value is looked up once and the counts weighted in C."""
    total = histogram.get_total_count()
    if not total:
        return None
    medians = _bucket_medians(
        histogram.counts_len, histogram.unit_magnitude, histogram.sub_bucket_half_count_magnitude
    )
    return sum(map(operator.mul, histogram.counts, medians)) / total / 1000.0


@functools.cache
def _bucket_medians(counts_len: int, unit_magnitude: int, half_count_magnitude: int) -> tuple[int, ...]:
    """The value each count index stands for in a mean (hdrh's median of the index's equivalent range),
    for histograms of that layout."""
    layout = new_histogram()
    if (layout.counts_len, layout.unit_magnitude, layout.sub_bucket_half_count_magnitude) != (
        counts_len,
        unit_magnitude,
        half_count_magnitude,
    ):
        raise ValueError(f"not a flashcrowd latency histogram: {counts_len} counts")
    return tuple(
        layout._hdr_median_equiv_value(layout.get_highest_equivalent_value(layout.get_value_from_index(i)))
        for i in range(counts_len)
    )


def max_ms(histogram: HdrHistogram) -> float | None:
    """The largest recorded latency in milliseconds, or None when empty."""
    return histogram.get_max_value() / 1000.0 if histogram.get_total_count() else None


def encode(histogram: HdrHistogram) -> str:
    """A compact base64 text form, safe to send to the master in a Locust report."""
    return histogram.encode().decode("ascii")


def merge(encoded: Iterable[str | bytes]) -> HdrHistogram:
    """One histogram holding every value of the encoded histograms given."""
    merged = new_histogram()
    for blob in encoded:
        merged.decode_and_add(blob.encode("ascii") if isinstance(blob, str) else blob)
    return merged
