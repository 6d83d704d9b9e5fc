#include "tools/stress/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace stevedore::stress {

const char* to_string(phase p) noexcept {
  switch (p) {
    case phase::pull: return "pull";
    case phase::create: return "create";
    case phase::start: return "start";
    case phase::running: return "running";
    case phase::stop: return "stop";
    case phase::remove: return "remove";
  }
  return "unknown";
}

std::int64_t task_record::duration_us(phase p) const noexcept {
  auto span = [this](milestone from, milestone to) -> std::int64_t {
    auto a = at(from), b = at(to);
    return a < 0 || b < 0 || b < a ? -1 : b - a;
  };
  switch (p) {
    case phase::pull: return span(milestone::submitted, milestone::image_ready);
    case phase::create: return span(milestone::image_ready, milestone::created);
    case phase::start: return span(milestone::created, milestone::running);
    case phase::running: return span(milestone::submitted, milestone::running);
    case phase::stop: return span(milestone::stop_requested, milestone::exited);
    case phase::remove: return span(milestone::exited, milestone::cleaned);
  }
  return -1;
}

std::int64_t usage_figures::bytes_per_task() const noexcept {
  if (live_tasks <= 0 || rss_live_kb <= rss_before_kb)
    return 0;
  return (rss_live_kb - rss_before_kb) * 1024 / live_tasks;
}

std::int64_t driver_figures::completed() const noexcept {
  return std::count_if(tasks.begin(), tasks.end(), [](const task_record& t) {
    return !t.failed() && t.at(milestone::cleaned) >= 0;
  });
}

std::int64_t driver_figures::failed() const noexcept {
  return std::count_if(tasks.begin(), tasks.end(), [](const task_record& t) { return t.failed(); });
}

std::map<std::string, std::int64_t> driver_figures::errors_by_kind() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& t : tasks)
    if (t.failed())
      ++out[t.error_kind];
  return out;
}

std::int64_t usage_figures::plan_bytes_per_task(std::int64_t tasks) const noexcept {
  if (tasks <= 0 || rss_planned_kb <= rss_before_kb)
    return 0;
  return (rss_planned_kb - rss_before_kb) * 1024 / tasks;
}

const driver_figures* run_figures::find(const std::string& driver) const noexcept {
  for (const auto& d : drivers)
    if (d.driver == driver)
      return &d;
  return nullptr;
}

std::optional<std::int64_t> percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty())
    return std::nullopt;
  p = std::clamp(p, 0.0, 100.0);
  auto n = sorted.size();
  // Rank ceil(p/100 * n), 1-based; the small epsilon keeps 90% of 10 at rank
  // 9 despite 0.9 * 10 being 9.000000000000002 in binary.
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(n) - 1e-9));
  if (rank == 0)
    rank = 1;
  return sorted[std::min(rank, n) - 1];
}

summary summarize(std::vector<std::int64_t> samples) {
  summary s;
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  s.count = static_cast<std::int64_t>(samples.size());
  s.min = samples.front();
  s.max = samples.back();
  s.p50 = *percentile(samples, 50);
  s.p90 = *percentile(samples, 90);
  s.p99 = *percentile(samples, 99);
  // Long double: 10^5 samples of 10^9 us stay exact enough.
  long double sum = std::accumulate(samples.begin(), samples.end(), 0.0L);
  s.mean = static_cast<double>(sum / samples.size());
  return s;
}

std::vector<std::int64_t> phase_samples(const driver_figures& d, phase p) {
  std::vector<std::int64_t> out;
  out.reserve(d.tasks.size());
  for (const auto& t : d.tasks)
    if (auto us = t.duration_us(p); us >= 0)
      out.push_back(us);
  return out;
}

summary phase_summary(const driver_figures& d, phase p) {
  return summarize(phase_samples(d, p));
}

namespace {

std::vector<bin> bins_over(std::int64_t lo, std::int64_t hi, std::size_t bins) {
  // Width rounded up so that `bins` bins cover [lo, hi]; at least 1.
  auto span = hi - lo + 1;
  auto width = std::max<std::int64_t>(1, (span + std::int64_t(bins) - 1) / std::int64_t(bins));
  std::vector<bin> out;
  for (std::size_t i = 0; i < bins; ++i) {
    auto b_lo = lo + std::int64_t(i) * width;
    if (b_lo > hi)
      break;
    out.push_back(bin{b_lo, b_lo + width, 0});
  }
  return out;
}

void count_into(std::vector<bin>& bins, const std::vector<std::int64_t>& samples) {
  if (bins.empty())
    return;
  auto lo = bins.front().lo;
  auto width = bins.front().hi - bins.front().lo;
  for (auto s : samples) {
    auto i = static_cast<std::size_t>((s - lo) / width);
    bins[std::min(i, bins.size() - 1)].count++;
  }
}

} // namespace

std::vector<bin> histogram(const std::vector<std::int64_t>& samples, std::size_t bins) {
  auto all = histograms({samples}, bins);
  return all.front();
}

std::vector<std::vector<bin>> histograms(const std::vector<std::vector<std::int64_t>>& series,
                                         std::size_t bins) {
  std::vector<std::vector<bin>> out(series.size());
  bool any = false;
  std::int64_t lo = 0, hi = 0;
  for (const auto& s : series)
    for (auto v : s) {
      lo = any ? std::min(lo, v) : v;
      hi = any ? std::max(hi, v) : v;
      any = true;
    }
  if (!any || bins == 0)
    return out;
  auto shape = bins_over(lo, hi, bins);
  for (std::size_t i = 0; i < series.size(); ++i) {
    out[i] = shape;
    count_into(out[i], series[i]);
  }
  return out;
}

double throughput(const driver_figures& d) {
  if (d.wall_us <= 0)
    return 0;
  return double(d.completed()) * 1e6 / double(d.wall_us);
}

std::optional<double> ratio(double a, double b) {
  if (b == 0 || a < 0 || b < 0)
    return std::nullopt;
  return a / b;
}

} // namespace stevedore::stress
