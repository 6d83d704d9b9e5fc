// tools/stress/report and json_writer: the JSON is exact (integers as is,
// doubles round-trip, strings escaped) and reads back with simdjson to the
// figures it was written from; the HTML page embeds that JSON, draws both
// charts, and loads nothing from anywhere; the table shows the ratios.
#include <cmath>
#include <limits>
#include <regex>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "tools/stress/json_writer.hpp"
#include "tools/stress/report.hpp"
#include "tools/stress/stats.hpp"

namespace stevedore::stress {
namespace {

TEST(StressJsonWriter, NestingCommasAndEscapes) {
  json_writer w;
  w.begin_object();
  w.key("a").value(std::int64_t{1});
  w.key("b").begin_array().value(true).null().value("x\"y\n").end_array();
  w.key("c").begin_object().end_object();
  w.key("d").begin_array().end_array();
  w.end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b":[true,null,"x\"y\n"],"c":{},"d":[]})");
}

TEST(StressJsonWriter, DoublesAreShortestRoundTrip) {
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(1.5), "1.5");
  EXPECT_EQ(format_double(2.0), "2");
  EXPECT_EQ(format_double(1e300), "1e+300");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "null");
  for (double v : {1.0 / 3.0, 2.0 / 3.0, 1.0523, 123456.789e-7, 5e-324}) {
    auto text = format_double(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
}

TEST(StressJsonWriter, LargeIntegersStayExact) {
  json_writer w;
  w.begin_array().value(std::numeric_limits<std::int64_t>::max()).value(std::int64_t{-7}).end_array();
  EXPECT_EQ(w.text(), "[9223372036854775807,-7]");
}

// A run of two drivers with known figures.
run_figures sample_run() {
  run_figures run;
  run.settings.tasks = 3;
  run.settings.concurrency = 2;
  run.settings.hold_s = 0.5;
  run.settings.image = "busybox:1";
  run.settings.command = {"sh", "-c", "echo </script><b>"};
  run.settings.endpoint = "unix:///run/x.sock";
  run.settings.order = "baseline first, then stevedore";
  for (const char* name : {"baseline", "stevedore"}) {
    driver_figures d;
    d.driver = name;
    std::int64_t scale = d.driver == "baseline" ? 1 : 2;
    for (std::int64_t i = 0; i < 3; ++i) {
      task_record r;
      std::int64_t t = i * 1000;
      for (std::size_t m = 0; m < milestone_count; ++m) {
        r.at_us[m] = t;
        t += 100 * scale * std::int64_t(m + 1);
      }
      d.tasks.push_back(r);
    }
    d.wall_us = 3'000'000 * scale;
    d.all_running_us = 2'000'600 * scale;
    d.usage.cpu_us = 100'000 * scale;
    d.usage.peak_rss_kb = 10'000 * scale;
    d.usage.rss_before_kb = 1000;
    d.usage.rss_live_kb = 1000 + 3 * scale;
    d.usage.live_tasks = 3;
    d.leftover_containers = 0;
    run.drivers.push_back(d);
  }
  run.drivers[1].tasks[2].error_kind = "timeout";
  run.drivers[1].tasks[2].error = "stop x: timed out";
  run.drivers[1].tasks[2].set(milestone::cleaned, -1);
  return run;
}

TEST(StressReportJson, ReadsBackToTheFigures) {
  auto run = sample_run();
  auto text = report_json(run);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;

  EXPECT_EQ(int64_t(doc["settings"]["tasks"]), 3);
  EXPECT_EQ(std::string_view(doc["settings"]["mode"]), "batch");
  EXPECT_EQ(double(doc["settings"]["hold_s"]), 0.5);
  EXPECT_EQ(std::string_view(doc["settings"]["command"].at(2)), "echo </script><b>");
  EXPECT_EQ(std::string_view(doc["settings"]["order"]), "baseline first, then stevedore");

  auto drivers = doc["drivers"].get_array();
  ASSERT_EQ(drivers.size(), 2u);
  auto base = drivers.at(0), mine = drivers.at(1);
  EXPECT_EQ(std::string_view(base["driver"]), "baseline");
  EXPECT_EQ(int64_t(base["completed"]), 3);
  EXPECT_EQ(int64_t(mine["completed"]), 2);
  EXPECT_EQ(int64_t(mine["failed"]), 1);
  EXPECT_EQ(int64_t(mine["errors"]["timeout"]), 1);
  EXPECT_EQ(int64_t(base["wall_us"]), 3'000'000);
  EXPECT_EQ(int64_t(base["all_running_us"]), 2'000'600);
  EXPECT_EQ(double(base["throughput_per_s"]), 1.0);
  // pull = 100 us for every baseline task; running = 100+200+300 = 600 us.
  EXPECT_EQ(int64_t(base["phases"]["pull"]["p50_us"]), 100);
  EXPECT_EQ(int64_t(base["phases"]["running"]["max_us"]), 600);
  EXPECT_EQ(int64_t(mine["phases"]["running"]["p99_us"]), 1200);
  EXPECT_EQ(int64_t(base["usage"]["bytes_per_task"]), 1024);
  EXPECT_EQ(int64_t(base["usage"]["plan_bytes_per_task"]), 0); // rss_planned_kb not set
  EXPECT_EQ(int64_t(base["usage"]["rss_planned_kb"]), 0);
  EXPECT_TRUE(base["idle"].is_null());
  EXPECT_EQ(int64_t(base["leftover_containers"]), 0);
  auto submitted = base["samples"]["submitted_us"].get_array();
  ASSERT_EQ(submitted.size(), 3u);
  EXPECT_EQ(int64_t(submitted.at(2)), 2000);
  EXPECT_EQ(int64_t(base["samples"]["running_us"].at(1)), 600);

  auto ratios = doc["ratios"]["stevedore/baseline"];
  EXPECT_EQ(double(ratios["time_to_all_running"]), 2.0);
  EXPECT_EQ(double(ratios["running.p50"]), 2.0);
  EXPECT_EQ(double(ratios["cpu_time"]), 2.0);
  // 2 completed in 6 s against 3 in 3 s.
  EXPECT_EQ(double(ratios["throughput"]), (2.0 / 6.0) / 1.0);
}

TEST(StressReportJson, NullWhereNothingWasMeasured) {
  run_figures run;
  run.settings.churn = true;
  driver_figures d;
  d.driver = "baseline";
  d.tasks.resize(1); // never submitted
  run.drivers.push_back(d);
  auto text = report_json(run);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  auto drv = doc["drivers"].at(0);
  EXPECT_TRUE(drv["all_running_us"].is_null());
  EXPECT_TRUE(drv["leftover_containers"].is_null());
  EXPECT_TRUE(drv["samples"]["running_us"].at(0).is_null());
  EXPECT_EQ(int64_t(drv["phases"]["stop"]["count"]), 0);
  EXPECT_EQ(std::string_view(doc["settings"]["mode"]), "churn");
  EXPECT_EQ(doc["ratios"].error(), simdjson::NO_SUCH_FIELD); // one driver: nothing to compare
}

TEST(StressReportHtml, EmbedsTheDataAndBothCharts) {
  auto run = sample_run();
  auto html = report_html(run);
  auto json = report_json(run);
  auto open = html.find("<script type=\"application/json\" id=\"stress-data\">");
  ASSERT_NE(open, std::string::npos);
  auto start = open + std::string("<script type=\"application/json\" id=\"stress-data\">").size();
  auto end = html.find("</script>", start);
  ASSERT_NE(end, std::string::npos);
  auto embedded = html.substr(start, end - start);
  // The only change is "</" written as "<\/", which reads back the same.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(embedded).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["settings"]["command"].at(2)), "echo </script><b>");
  EXPECT_EQ(embedded.find("</"), std::string::npos);
  EXPECT_EQ(embedded.size(), json.size() + 1);

  EXPECT_NE(html.find("aria-label=\"time to running against submit time\""), std::string::npos);
  EXPECT_NE(html.find("aria-label=\"histogram of time to running\""), std::string::npos);
  // One dot per task that ran, per driver (3 + 3), and the legend names both.
  std::size_t dots = 0;
  for (auto p = html.find("<circle"); p != std::string::npos; p = html.find("<circle", p + 1))
    ++dots;
  EXPECT_EQ(dots, 6u);
  EXPECT_NE(html.find(">baseline</text>"), std::string::npos);
  EXPECT_NE(html.find(">stevedore</text>"), std::string::npos);
  // User text is escaped outside the JSON block.
  EXPECT_NE(html.find("echo &lt;/script&gt;&lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("2.000"), std::string::npos); // a ratio in the figures table
}

TEST(StressReportHtml, LoadsNothingFromElsewhere) {
  auto html = report_html(sample_run());
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("=\"//"), std::string::npos); // no protocol-relative URL either
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(StressReportTable, ShowsFiguresRatiosAndErrors) {
  auto table = report_table(sample_run());
  EXPECT_NE(table.find("order: baseline first, then stevedore"), std::string::npos);
  EXPECT_NE(table.find("stevedore/baseline"), std::string::npos);
  EXPECT_NE(table.find("time to all running"), std::string::npos);
  EXPECT_NE(table.find("2.000"), std::string::npos);
  EXPECT_NE(table.find("timeout 1"), std::string::npos);
  EXPECT_NE(table.find("stevedore timeout (first): stop x: timed out\n"), std::string::npos);
  EXPECT_NE(table.find("2/3"), std::string::npos);
  for (const char* ph : {"pull", "create", "start", "running", "stop", "remove"})
    EXPECT_NE(table.find(std::string("\n") + ph + " "), std::string::npos) << ph;
}

TEST(StressReportFigures, OneLinePerFigureAndRatio) {
  auto text = report_figures(sample_run());
  EXPECT_NE(text.find("figure baseline.completed=3\n"), std::string::npos);
  EXPECT_NE(text.find("figure stevedore.failed=1\n"), std::string::npos);
  EXPECT_NE(text.find("figure baseline.all_running_us=2000600\n"), std::string::npos);
  EXPECT_NE(text.find("figure stevedore.cpu_us=200000\n"), std::string::npos);
  EXPECT_NE(text.find("figure ratio.time_to_all_running=2.000\n"), std::string::npos);
  EXPECT_NE(text.find("figure ratio.running.p99=2.000\n"), std::string::npos);
  EXPECT_EQ(text.find("idle_cpu_us"), std::string::npos); // not measured
}

TEST(StressReportFormat, Units) {
  EXPECT_EQ(format_us(-1), "-");
  EXPECT_EQ(format_us(850), "850 us");
  EXPECT_EQ(format_us(1500), "1.50 ms");
  EXPECT_EQ(format_us(12'340), "12.3 ms");
  EXPECT_EQ(format_us(4'560'000), "4.56 s");
  EXPECT_EQ(format_kb(512), "512 KB");
  EXPECT_EQ(format_kb(2048), "2.0 MB");
  EXPECT_EQ(format_ratio(std::nullopt), "-");
  EXPECT_EQ(format_ratio(1.0184), "1.018");
}

TEST(StressCompare, PhaseRatiosOnlyForPhasesSeen) {
  driver_figures a, b;
  a.driver = "stevedore";
  b.driver = "baseline";
  task_record r;
  r.set(milestone::submitted, 0);
  r.set(milestone::image_ready, 10);
  a.tasks = {r};
  r.set(milestone::image_ready, 5);
  b.tasks = {r};
  auto ratios = compare(a, b);
  bool pull = false, stop = false;
  for (const auto& x : ratios) {
    pull = pull || x.name == "pull.p50";
    stop = stop || x.name == "stop.p50";
    if (x.name == "pull.p50") {
      ASSERT_TRUE(x.value.has_value());
      EXPECT_DOUBLE_EQ(*x.value, 2.0);
    }
  }
  EXPECT_TRUE(pull);
  EXPECT_FALSE(stop);
}

} // namespace
} // namespace stevedore::stress
