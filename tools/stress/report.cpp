// JSON layout (report_json):
//   {"settings": {tasks, concurrency, mode: "batch"|"churn", hold_s, image,
//                 command: [...], endpoint, order},
//    "drivers": [{"driver", "tasks", "completed", "failed", "errors": {kind: n},
//                 "wall_us", "all_running_us" (null in churn mode),
//                 "throughput_per_s",
//                 "phases": {"pull": {count, min_us, p50_us, p90_us, p99_us,
//                                     max_us, mean_us}, ...},
//                 "usage": {cpu_us, peak_rss_kb, rss_before_kb, rss_live_kb,
//                           live_tasks, bytes_per_task, rss_planned_kb,
//                           plan_bytes_per_task},
//                 "idle": {seconds, tasks, cpu_us, rss_kb, threads,
//                          child_processes} or null,
//                 "leftover_containers" (null: not checked),
//                 "samples": {"submitted_us": [...], "running_us": [...]}}],
//                 // per task, submit order: submit time and time to running
//                 // (null where the task never ran)
//    "ratios": {"stevedore/baseline": {name: value or null, ...}} (only when
//               both drivers ran)}
// Durations are integer microseconds, so the figures are exact.
#include "tools/stress/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "tools/stress/json_writer.hpp"
#include "tools/stress/stats.hpp"

namespace stevedore::stress {

namespace {

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

const char* mode_name(const run_settings& s) {
  return s.churn ? "churn" : "batch";
}

std::string join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty())
      out += sep;
    out += w;
  }
  return out;
}

// Phases a driver went through at least once.
bool phase_seen(const driver_figures& d, phase p) {
  return std::any_of(d.tasks.begin(), d.tasks.end(),
                     [p](const task_record& t) { return t.duration_us(p) >= 0; });
}

double as_double(std::int64_t v) {
  return static_cast<double>(v);
}

} // namespace

std::vector<figure_ratio> compare(const driver_figures& mine, const driver_figures& base) {
  std::vector<figure_ratio> out;
  auto add = [&](std::string name, double a, double b) {
    out.push_back({std::move(name), ratio(a, b)});
  };
  if (mine.all_running_us >= 0 || base.all_running_us >= 0)
    add("time_to_all_running", as_double(mine.all_running_us), as_double(base.all_running_us));
  add("wall_time", as_double(mine.wall_us), as_double(base.wall_us));
  add("throughput", throughput(mine), throughput(base));
  add("cpu_time", as_double(mine.usage.cpu_us), as_double(base.usage.cpu_us));
  add("peak_rss", as_double(mine.usage.peak_rss_kb), as_double(base.usage.peak_rss_kb));
  add("bytes_per_task", as_double(mine.usage.bytes_per_task()),
      as_double(base.usage.bytes_per_task()));
  if (mine.idle.seconds > 0 && base.idle.seconds > 0) {
    add("idle_cpu", as_double(mine.idle.cpu_us), as_double(base.idle.cpu_us));
    add("idle_rss", as_double(mine.idle.rss_kb), as_double(base.idle.rss_kb));
  }
  for (auto p : all_phases) {
    if (!phase_seen(mine, p) && !phase_seen(base, p))
      continue;
    auto a = phase_summary(mine, p), b = phase_summary(base, p);
    std::string n = to_string(p);
    add(n + ".p50", as_double(a.p50), as_double(b.p50));
    add(n + ".p90", as_double(a.p90), as_double(b.p90));
    add(n + ".p99", as_double(a.p99), as_double(b.p99));
    add(n + ".max", as_double(a.max), as_double(b.max));
  }
  return out;
}

std::string format_us(std::int64_t us) {
  if (us < 0)
    return "-";
  if (us < 1000)
    return std::to_string(us) + " us";
  if (us < 1000000)
    return printf_string(us < 10000 ? "%.2f ms" : "%.1f ms", as_double(us) / 1e3);
  return printf_string("%.2f s", as_double(us) / 1e6);
}

std::string format_kb(std::int64_t kb) {
  if (kb < 1024)
    return std::to_string(kb) + " KB";
  if (kb < 1024 * 1024)
    return printf_string("%.1f MB", as_double(kb) / 1024);
  return printf_string("%.2f GB", as_double(kb) / (1024.0 * 1024));
}

std::string format_ratio(const std::optional<double>& r) {
  return r ? printf_string("%.3f", *r) : std::string("-");
}

// ---------------------------------------------------------------------------
// The terminal table.

namespace {

class text_table {
public:
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void blank() { rows_.emplace_back(); }

  std::string str() const {
    std::vector<std::size_t> width;
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) {
        width.resize(std::max(width.size(), r.size()));
        width[i] = std::max(width[i], r[i].size());
      }
    std::string out;
    for (const auto& r : rows_) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size())
          line.append(width[i] - r[i].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      out += line + '\n';
    }
    return out;
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

std::optional<double> find_ratio(const std::vector<figure_ratio>& ratios, const std::string& name) {
  for (const auto& r : ratios)
    if (r.name == name)
      return r.value;
  return std::nullopt;
}

std::string errors_text(const driver_figures& d) {
  std::string out;
  for (const auto& [kind, n] : d.errors_by_kind()) {
    if (!out.empty())
      out += ", ";
    out += kind + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

} // namespace

std::string report_table(const run_figures& run) {
  const auto& s = run.settings;
  std::string out;
  out += "stevedore stress: " + std::to_string(s.tasks) + " tasks, concurrency " +
         std::to_string(s.concurrency) + ", " +
         (s.churn ? "churn (each task: start, hold, stop, remove)"
                  : "batch (start all, hold, stop all)") +
         ", hold " + printf_string("%g s", s.hold_s) + ", image " + s.image + "\n";
  if (!s.order.empty())
    out += "order: " + s.order + "\n";
  out += "\n";

  const auto* base = run.find("baseline");
  const auto* mine = run.find("stevedore");
  std::vector<figure_ratio> ratios;
  if (base && mine)
    ratios = compare(*mine, *base);

  text_table t;
  std::vector<std::string> head{""};
  for (const auto& d : run.drivers)
    head.push_back(d.driver);
  if (!ratios.empty())
    head.push_back("stevedore/baseline");
  t.row(head);
  auto line = [&](const std::string& label, auto cell, const std::string& ratio_name) {
    std::vector<std::string> r{label};
    for (const auto& d : run.drivers)
      r.push_back(cell(d));
    if (!ratios.empty())
      r.push_back(ratio_name.empty() ? "" : format_ratio(find_ratio(ratios, ratio_name)));
    t.row(std::move(r));
  };
  line("lifecycles completed", [](const driver_figures& d) {
    return std::to_string(d.completed()) + "/" + std::to_string(d.tasks.size());
  }, "");
  line("errors", [](const driver_figures& d) { return errors_text(d); }, "");
  if (!s.churn)
    line("time to all running", [](const driver_figures& d) { return format_us(d.all_running_us); },
         "time_to_all_running");
  line("wall time", [](const driver_figures& d) { return format_us(d.wall_us); }, "wall_time");
  line("throughput", [](const driver_figures& d) {
    return printf_string("%.1f lifecycles/s", throughput(d));
  }, "throughput");
  line("CPU time (user+sys)", [](const driver_figures& d) { return format_us(d.usage.cpu_us); },
       "cpu_time");
  line("peak RSS", [](const driver_figures& d) { return format_kb(d.usage.peak_rss_kb); },
       "peak_rss");
  line("memory per live task", [](const driver_figures& d) {
    return printf_string("%.2f KB", as_double(d.usage.bytes_per_task()) / 1024) + " (" +
           std::to_string(d.usage.live_tasks) + " live)";
  }, "bytes_per_task");
  line("  of which planned instance", [](const driver_figures& d) {
    return printf_string("%.2f KB", as_double(d.usage.plan_bytes_per_task(
                                        static_cast<std::int64_t>(d.tasks.size()))) / 1024);
  }, "");
  bool idle = std::any_of(run.drivers.begin(), run.drivers.end(),
                          [](const driver_figures& d) { return d.idle.seconds > 0; });
  if (idle) {
    line("idle CPU time", [](const driver_figures& d) {
      return d.idle.seconds > 0 ? format_us(d.idle.cpu_us) + " over " +
                                      printf_string("%g s", d.idle.seconds) + ", " +
                                      std::to_string(d.idle.tasks) + " tasks"
                                : std::string("-");
    }, "idle_cpu");
    line("idle RSS", [](const driver_figures& d) {
      return d.idle.seconds > 0 ? format_kb(d.idle.rss_kb) : std::string("-");
    }, "idle_rss");
    line("threads / child processes", [](const driver_figures& d) {
      return d.idle.seconds > 0 ? std::to_string(d.idle.threads) + " / " +
                                      std::to_string(d.idle.child_processes)
                                : std::string("-");
    }, "");
  }
  line("containers left", [](const driver_figures& d) {
    return d.leftover_containers < 0 ? std::string("not checked")
                                     : std::to_string(d.leftover_containers);
  }, "");
  out += t.str();

  text_table p;
  p.row({"latency", "driver", "count", "p50", "p90", "p99", "max"});
  for (auto ph : all_phases) {
    bool first = true;
    for (const auto& d : run.drivers) {
      auto sm = phase_summary(d, ph);
      p.row({first ? to_string(ph) : "", d.driver, std::to_string(sm.count), format_us(sm.p50),
             format_us(sm.p90), format_us(sm.p99), format_us(sm.max)});
      first = false;
    }
    if (!ratios.empty()) {
      std::string n = to_string(ph);
      if (find_ratio(ratios, n + ".p50") || find_ratio(ratios, n + ".max"))
        p.row({"", "ratio", "", format_ratio(find_ratio(ratios, n + ".p50")),
               format_ratio(find_ratio(ratios, n + ".p90")),
               format_ratio(find_ratio(ratios, n + ".p99")),
               format_ratio(find_ratio(ratios, n + ".max"))});
    }
  }
  out += "\n" + p.str();
  out += "(pull: submit to image ready; running: submit to running, the time to running)\n";
  // One example of each kind of error, so a failed run says why.
  for (const auto& d : run.drivers) {
    std::map<std::string, const task_record*> first;
    for (const auto& t : d.tasks)
      if (t.failed())
        first.emplace(t.error_kind, &t);
    for (const auto& [kind, t] : first)
      out += d.driver + " " + kind + " (first): " + t->error + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------
// Figures for scripts.

std::string report_figures(const run_figures& run) {
  std::string out;
  auto put = [&out](const std::string& name, const std::string& value) {
    out += "figure " + name + "=" + value + "\n";
  };
  for (const auto& d : run.drivers) {
    auto n = d.driver + ".";
    put(n + "completed", std::to_string(d.completed()));
    put(n + "failed", std::to_string(d.failed()));
    put(n + "wall_us", std::to_string(d.wall_us));
    if (d.all_running_us >= 0)
      put(n + "all_running_us", std::to_string(d.all_running_us));
    put(n + "throughput_per_s", printf_string("%.1f", throughput(d)));
    put(n + "cpu_us", std::to_string(d.usage.cpu_us));
    put(n + "peak_rss_kb", std::to_string(d.usage.peak_rss_kb));
    put(n + "rss_live_kb", std::to_string(d.usage.rss_live_kb));
    put(n + "live_tasks", std::to_string(d.usage.live_tasks));
    put(n + "bytes_per_task", std::to_string(d.usage.bytes_per_task()));
    put(n + "plan_bytes_per_task",
        std::to_string(d.usage.plan_bytes_per_task(static_cast<std::int64_t>(d.tasks.size()))));
    put(n + "leftover_containers", std::to_string(d.leftover_containers));
    put(n + "errors", errors_text(d));
    if (d.idle.seconds > 0) {
      put(n + "idle_seconds", printf_string("%.2f", d.idle.seconds));
      put(n + "idle_cpu_us", std::to_string(d.idle.cpu_us));
      put(n + "idle_rss_kb", std::to_string(d.idle.rss_kb));
      put(n + "idle_threads", std::to_string(d.idle.threads));
      put(n + "idle_child_processes", std::to_string(d.idle.child_processes));
    }
  }
  const auto* base = run.find("baseline");
  const auto* mine = run.find("stevedore");
  if (base && mine)
    for (const auto& r : compare(*mine, *base))
      put("ratio." + r.name, format_ratio(r.value));
  return out;
}

// ---------------------------------------------------------------------------
// JSON.

namespace {

void write_summary(json_writer& w, const summary& s) {
  w.begin_object();
  w.key("count").value(s.count);
  w.key("min_us").value(s.min);
  w.key("p50_us").value(s.p50);
  w.key("p90_us").value(s.p90);
  w.key("p99_us").value(s.p99);
  w.key("max_us").value(s.max);
  w.key("mean_us").value(s.mean);
  w.end_object();
}

void write_driver(json_writer& w, const driver_figures& d) {
  w.begin_object();
  w.key("driver").value(d.driver);
  w.key("tasks").value(static_cast<std::int64_t>(d.tasks.size()));
  w.key("completed").value(d.completed());
  w.key("failed").value(d.failed());
  w.key("errors").begin_object();
  for (const auto& [kind, n] : d.errors_by_kind())
    w.key(kind).value(n);
  w.end_object();
  w.key("wall_us").value(d.wall_us);
  w.key("all_running_us");
  if (d.all_running_us >= 0)
    w.value(d.all_running_us);
  else
    w.null();
  w.key("throughput_per_s").value(throughput(d));
  w.key("phases").begin_object();
  for (auto p : all_phases) {
    w.key(to_string(p));
    write_summary(w, phase_summary(d, p));
  }
  w.end_object();
  w.key("usage").begin_object();
  w.key("cpu_us").value(d.usage.cpu_us);
  w.key("peak_rss_kb").value(d.usage.peak_rss_kb);
  w.key("rss_before_kb").value(d.usage.rss_before_kb);
  w.key("rss_live_kb").value(d.usage.rss_live_kb);
  w.key("live_tasks").value(d.usage.live_tasks);
  w.key("bytes_per_task").value(d.usage.bytes_per_task());
  w.key("rss_planned_kb").value(d.usage.rss_planned_kb);
  w.key("plan_bytes_per_task")
    .value(d.usage.plan_bytes_per_task(static_cast<std::int64_t>(d.tasks.size())));
  w.end_object();
  w.key("idle");
  if (d.idle.seconds > 0) {
    w.begin_object();
    w.key("seconds").value(d.idle.seconds);
    w.key("tasks").value(d.idle.tasks);
    w.key("cpu_us").value(d.idle.cpu_us);
    w.key("rss_kb").value(d.idle.rss_kb);
    w.key("threads").value(d.idle.threads);
    w.key("child_processes").value(d.idle.child_processes);
    w.end_object();
  } else {
    w.null();
  }
  w.key("leftover_containers");
  if (d.leftover_containers >= 0)
    w.value(d.leftover_containers);
  else
    w.null();
  w.key("samples").begin_object();
  w.key("submitted_us").begin_array();
  for (const auto& t : d.tasks)
    w.value(t.at(milestone::submitted));
  w.end_array();
  w.key("running_us").begin_array();
  for (const auto& t : d.tasks) {
    auto us = t.duration_us(phase::running);
    if (us >= 0)
      w.value(us);
    else
      w.null();
  }
  w.end_array();
  w.end_object();
  w.end_object();
}

} // namespace

std::string report_json(const run_figures& run) {
  json_writer w;
  const auto& s = run.settings;
  w.begin_object();
  w.key("settings").begin_object();
  w.key("tasks").value(s.tasks);
  w.key("concurrency").value(s.concurrency);
  w.key("mode").value(mode_name(s));
  w.key("hold_s").value(s.hold_s);
  w.key("image").value(s.image);
  w.key("command").begin_array();
  for (const auto& c : s.command)
    w.value(c);
  w.end_array();
  w.key("endpoint").value(s.endpoint);
  w.key("order").value(s.order);
  w.end_object();
  w.key("drivers").begin_array();
  for (const auto& d : run.drivers)
    write_driver(w, d);
  w.end_array();
  const auto* base = run.find("baseline");
  const auto* mine = run.find("stevedore");
  if (base && mine) {
    w.key("ratios").begin_object();
    w.key("stevedore/baseline").begin_object();
    for (const auto& r : compare(*mine, *base)) {
      w.key(r.name);
      if (r.value)
        w.value(*r.value);
      else
        w.null();
    }
    w.end_object();
    w.end_object();
  }
  w.end_object();
  return w.take();
}

// ---------------------------------------------------------------------------
// HTML.

namespace {

void html_escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string esc(std::string_view s) {
  std::string out;
  html_escape(out, s);
  return out;
}

const char* driver_colour(std::size_t i) {
  static const char* colours[] = {"#4c72b0", "#dd8452", "#55a868", "#c44e52"};
  return colours[i % 4];
}

// A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above v.
double nice_ceiling(double v) {
  if (v <= 0)
    return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v)
      return m * p;
  return 10 * p;
}

std::string num(double v) {
  return printf_string("%.1f", v);
}

std::string tick_label(double v) {
  return printf_string(v == std::floor(v) ? "%.0f" : "%g", v);
}

constexpr double chart_w = 880, chart_h = 340, left = 70, right = 20, top = 20, bottom = 50;

// Axes with 5 ticks on each; x in [0, xmax], y in [0, ymax].
void axes(std::string& out, double xmax, double ymax, const char* xlabel, const char* ylabel) {
  double pw = chart_w - left - right, ph = chart_h - top - bottom;
  out += "<line x1=\"" + num(left) + "\" y1=\"" + num(top + ph) + "\" x2=\"" + num(left + pw) +
         "\" y2=\"" + num(top + ph) + "\" stroke=\"#333\"/>";
  out += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) +
         "\" y2=\"" + num(top + ph) + "\" stroke=\"#333\"/>";
  for (int i = 0; i <= 5; ++i) {
    double fx = left + pw * i / 5, fy = top + ph - ph * i / 5;
    out += "<line x1=\"" + num(fx) + "\" y1=\"" + num(top + ph) + "\" x2=\"" + num(fx) +
           "\" y2=\"" + num(top + ph + 5) + "\" stroke=\"#333\"/>";
    out += "<text x=\"" + num(fx) + "\" y=\"" + num(top + ph + 18) +
           "\" text-anchor=\"middle\">" + tick_label(xmax * i / 5) + "</text>";
    out += "<line x1=\"" + num(left) + "\" y1=\"" + num(fy) + "\" x2=\"" + num(left + pw) +
           "\" y2=\"" + num(fy) + "\" stroke=\"#eee\"/>";
    out += "<text x=\"" + num(left - 8) + "\" y=\"" + num(fy + 4) +
           "\" text-anchor=\"end\">" + tick_label(ymax * i / 5) + "</text>";
  }
  out += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(chart_h - 8) +
         "\" text-anchor=\"middle\">" + xlabel + "</text>";
  out += "<text transform=\"translate(16," + num(top + ph / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + ylabel + "</text>";
}

void legend(std::string& out, const run_figures& run) {
  for (std::size_t i = 0; i < run.drivers.size(); ++i) {
    double x = left + 20 + double(i) * 140;
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(top + 4) +
           "\" width=\"12\" height=\"12\" fill=\"" + driver_colour(i) + "\"/>";
    out += "<text x=\"" + num(x + 18) + "\" y=\"" + num(top + 14) + "\">" +
           esc(run.drivers[i].driver) + "</text>";
  }
}

std::string scatter_svg(const run_figures& run) {
  double xmax_us = 0, ymax_us = 0;
  for (const auto& d : run.drivers)
    for (const auto& t : d.tasks) {
      auto r = t.duration_us(phase::running);
      if (r < 0)
        continue;
      xmax_us = std::max(xmax_us, as_double(t.at(milestone::submitted)));
      ymax_us = std::max(ymax_us, as_double(r));
    }
  double xmax = nice_ceiling(xmax_us / 1e6), ymax = nice_ceiling(ymax_us / 1e3);
  double pw = chart_w - left - right, ph = chart_h - top - bottom;
  std::string out = "<svg class=\"chart\" viewBox=\"0 0 " + num(chart_w) + " " + num(chart_h) +
                    "\" role=\"img\" aria-label=\"time to running against submit time\">";
  axes(out, xmax, ymax, "submitted at (s after the driver's first submit)",
       "time to running (ms)");
  for (std::size_t i = 0; i < run.drivers.size(); ++i) {
    out += "<g fill=\"" + std::string(driver_colour(i)) + "\" fill-opacity=\"0.6\">";
    for (const auto& t : run.drivers[i].tasks) {
      auto r = t.duration_us(phase::running);
      if (r < 0)
        continue;
      double x = left + pw * (as_double(t.at(milestone::submitted)) / 1e6) / xmax;
      double y = top + ph - ph * (as_double(r) / 1e3) / ymax;
      out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.5\"/>";
    }
    out += "</g>";
  }
  legend(out, run);
  out += "</svg>";
  return out;
}

std::string histogram_svg(const run_figures& run) {
  std::vector<std::vector<std::int64_t>> series;
  for (const auto& d : run.drivers)
    series.push_back(phase_samples(d, phase::running));
  auto hs = histograms(series, 30);
  std::int64_t top_count = 1;
  std::int64_t lo = 0, hi = 1;
  bool any = false;
  for (const auto& h : hs)
    for (const auto& b : h) {
      top_count = std::max(top_count, b.count);
      lo = any ? std::min(lo, b.lo) : b.lo;
      hi = any ? std::max(hi, b.hi) : b.hi;
      any = true;
    }
  double pw = chart_w - left - right, ph = chart_h - top - bottom;
  double ymax = nice_ceiling(as_double(top_count));
  std::string out = "<svg class=\"chart\" viewBox=\"0 0 " + num(chart_w) + " " + num(chart_h) +
                    "\" role=\"img\" aria-label=\"histogram of time to running\">";
  // The x axis is labelled in ms from 0 to the last bin's end.
  double xmax = nice_ceiling(as_double(hi) / 1e3);
  axes(out, xmax, ymax, "time to running (ms)", "tasks");
  std::size_t n = std::max<std::size_t>(1, hs.size());
  for (std::size_t i = 0; i < hs.size(); ++i) {
    for (const auto& b : hs[i]) {
      if (b.count == 0)
        continue;
      double x0 = left + pw * (as_double(b.lo) / 1e3) / xmax;
      double x1 = left + pw * (as_double(b.hi) / 1e3) / xmax;
      double w = std::max(1.0, (x1 - x0) / double(n));
      double h = ph * as_double(b.count) / ymax;
      out += "<rect x=\"" + num(x0 + w * double(i)) + "\" y=\"" + num(top + ph - h) +
             "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"" +
             driver_colour(i) + "\"><title>" + esc(run.drivers[i].driver) + ": " +
             std::to_string(b.count) + " tasks in " + format_us(b.lo) + " .. " +
             format_us(b.hi) + "</title></rect>";
    }
  }
  legend(out, run);
  out += "</svg>";
  return out;
}

std::string figures_table(const run_figures& run) {
  const auto* base = run.find("baseline");
  const auto* mine = run.find("stevedore");
  std::vector<figure_ratio> ratios;
  if (base && mine)
    ratios = compare(*mine, *base);
  std::string out = "<table><tr><th></th>";
  for (const auto& d : run.drivers)
    out += "<th>" + esc(d.driver) + "</th>";
  if (!ratios.empty())
    out += "<th>stevedore / baseline</th>";
  out += "</tr>";
  auto row = [&](const std::string& label, auto cell, const std::string& ratio_name) {
    out += "<tr><td>" + esc(label) + "</td>";
    for (const auto& d : run.drivers)
      out += "<td>" + esc(cell(d)) + "</td>";
    if (!ratios.empty())
      out += "<td>" + (ratio_name.empty() ? "" : format_ratio(find_ratio(ratios, ratio_name))) +
             "</td>";
    out += "</tr>";
  };
  row("lifecycles completed", [](const driver_figures& d) {
    return std::to_string(d.completed()) + " / " + std::to_string(d.tasks.size());
  }, "");
  row("errors", [](const driver_figures& d) { return errors_text(d); }, "");
  if (!run.settings.churn)
    row("time to all running", [](const driver_figures& d) { return format_us(d.all_running_us); },
        "time_to_all_running");
  row("wall time", [](const driver_figures& d) { return format_us(d.wall_us); }, "wall_time");
  row("throughput (lifecycles/s)",
      [](const driver_figures& d) { return printf_string("%.1f", throughput(d)); }, "throughput");
  row("CPU time", [](const driver_figures& d) { return format_us(d.usage.cpu_us); }, "cpu_time");
  row("peak RSS", [](const driver_figures& d) { return format_kb(d.usage.peak_rss_kb); },
      "peak_rss");
  row("memory per live task", [](const driver_figures& d) {
    return printf_string("%.2f KB", as_double(d.usage.bytes_per_task()) / 1024);
  }, "bytes_per_task");
  for (auto ph : all_phases) {
    std::string n = to_string(ph);
    for (const char* q : {"p50", "p99"}) {
      row(n + " " + q, [&](const driver_figures& d) {
        auto s = phase_summary(d, ph);
        return s.count == 0 ? std::string("-") : format_us(q[1] == '5' ? s.p50 : s.p99);
      }, n + "." + q);
    }
  }
  out += "</table>";
  return out;
}

// Keeps the embedded JSON from closing its <script> element early.
std::string script_safe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

} // namespace

std::string report_html(const run_figures& run) {
  const auto& s = run.settings;
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<title>stevedore stress: " + std::to_string(s.tasks) + " tasks</title>";
  out += "<style>body{font:14px sans-serif;margin:24px;color:#222;max-width:960px}"
         "table{border-collapse:collapse;margin:12px 0}td,th{padding:3px 10px;"
         "border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child"
         "{text-align:left}.chart{width:100%;height:auto;font-size:11px}"
         "h2{margin-top:28px;font-size:16px}</style></head><body>\n";
  out += "<h1>stevedore stress</h1><p>" + std::to_string(s.tasks) + " tasks, concurrency " +
         std::to_string(s.concurrency) + ", " + mode_name(s) + " mode, hold " +
         printf_string("%g s", s.hold_s) + ", image <code>" + esc(s.image) +
         "</code>, command <code>" + esc(join(s.command, " ")) + "</code>, daemon <code>" +
         esc(s.endpoint) + "</code>";
  if (!s.order.empty())
    out += "; order: " + esc(s.order);
  out += ".</p>\n";
  out += "<h2>Figures</h2>" + figures_table(run) + "\n";
  out += "<h2>Time to running against submit time</h2>" + scatter_svg(run) + "\n";
  out += "<h2>Histogram of time to running</h2>" + histogram_svg(run) + "\n";
  out += "<script type=\"application/json\" id=\"stress-data\">" + script_safe(report_json(run)) +
         "</script>\n";
  out += "</body></html>\n";
  return out;
}

} // namespace stevedore::stress
