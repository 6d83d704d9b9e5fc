// Writing a stress run out: the terminal table, the JSON figures and a
// self-contained HTML page (inline SVG, no script or style from elsewhere)
// with the time to running of every task against its submit time, per
// driver, and a histogram of those times. Pure: text in, text out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/stress/figures.hpp"

namespace stevedore::stress {

// One figure compared between two drivers: stevedore / baseline.
struct figure_ratio {
  std::string name;             // "time_to_all_running", "running.p99", "peak_rss", ...
  std::optional<double> value;  // nullopt when the baseline's figure is 0 or missing
};

// Every compared figure, in a fixed order: time to all running (batch mode),
// wall time, throughput, CPU time, peak RSS, bytes per task, idle CPU (when
// measured), then p50/p90/p99/max of each phase either driver went through.
std::vector<figure_ratio> compare(const driver_figures& mine, const driver_figures& baseline);

// "850 us", "12.3 ms", "4.56 s"; "-" for a negative value (not reached).
std::string format_us(std::int64_t us);
// "512 KB", "12.3 MB", "1.20 GB".
std::string format_kb(std::int64_t kb);
// "1.018"; "-" when there is nothing to compare.
std::string format_ratio(const std::optional<double>& r);

// The end-of-run table for the terminal (plain text, no colours).
std::string report_table(const run_figures& run);

// The headline figures as "figure NAME=VALUE" lines, for scripts
// (tools/bench.sh): per driver <driver>.completed, .failed, .wall_us,
// .all_running_us (batch), .throughput_per_s, .cpu_us, .peak_rss_kb,
// .rss_live_kb, .live_tasks, .bytes_per_task, .plan_bytes_per_task,
// .leftover_containers, and with
// --idle-measure .idle_seconds, .idle_cpu_us, .idle_rss_kb, .idle_threads,
// .idle_child_processes; then ratio.<name> for every compare() figure ("-"
// when there is nothing to compare).
std::string report_figures(const run_figures& run);

// The figures as one JSON document (see report.cpp for the layout).
std::string report_json(const run_figures& run);

// The HTML page; it embeds report_json's document verbatim (as
// <script type="application/json" id="stress-data">) next to the charts.
std::string report_html(const run_figures& run);

} // namespace stevedore::stress
