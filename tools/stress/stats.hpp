// Statistics over a run's samples: nearest-rank percentiles, per-phase
// summaries, histogram bins, throughput and ratios. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/stress/figures.hpp"

namespace stevedore::stress {

// The nearest-rank percentile of `sorted` (ascending): the smallest sample
// such that at least p% of the samples are at most it. p is clamped to
// [0, 100]; p = 0 gives the minimum. Empty input: std::nullopt.
std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& sorted, double p);

struct summary {
  std::int64_t count = 0;
  std::int64_t min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0; // microseconds; 0 when count == 0
  double mean = 0;
};

// Summary of any samples (unsorted is fine).
summary summarize(std::vector<std::int64_t> samples);

// The durations of one phase over every task that went through it.
std::vector<std::int64_t> phase_samples(const driver_figures& d, phase p);
summary phase_summary(const driver_figures& d, phase p);

// Equal-width bins over [lo, hi]: the last bin is closed, so hi falls in it.
struct bin {
  std::int64_t lo = 0;  // inclusive
  std::int64_t hi = 0;  // exclusive, except for the last bin
  std::int64_t count = 0;
};

// At most `bins` equal-width bins (integer widths, at least 1, rounded up)
// from the smallest sample, the last one holding the largest: identical
// samples land in one bin of width 1. Empty input or bins == 0: no bins.
// Every sample is counted exactly once.
std::vector<bin> histogram(const std::vector<std::int64_t>& samples, std::size_t bins);

// The same bins for several series (drivers), over their common range.
std::vector<std::vector<bin>> histograms(const std::vector<std::vector<std::int64_t>>& series,
                                         std::size_t bins);

// Completed lifecycles per second over the driver's wall time; 0 when no time passed.
double throughput(const driver_figures& d);

// a / b, or nullopt when b is 0 (nothing to compare against) or either is negative.
std::optional<double> ratio(double a, double b);

} // namespace stevedore::stress
