#include "tools/agent/encode.hpp"

namespace stevedore::agent {

namespace {

// Container output is bytes, JSON text is UTF-8: each byte that does not
// start a well-formed sequence becomes U+FFFD, so the answer stays JSON.
std::string utf8_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok && len > 1) {
      // No overlong forms, surrogates or code points past U+10FFFF.
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(len == 2 && c < 0xc2) && !(len == 3 && c == 0xe0 && c1 < 0xa0) &&
           !(len == 3 && c == 0xed && c1 >= 0xa0) && !(len == 4 && c == 0xf0 && c1 < 0x90) &&
           !(len == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90)));
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

json exit_json(const exit_result& x) {
  json j = json::object();
  j.set("exit_code", x.exit_code);
  j.set("signal", x.signal.empty() ? json() : json(x.signal));
  j.set("oom_killed", x.oom_killed);
  j.set("error", x.error.empty() ? json() : json(x.error));
  j.set("finished_at_ms", x.finished_at_ms);
  return j;
}

bool has_exited(const task_status& t) {
  if (t.state == task_state::exited || t.state == task_state::cleaned)
    return true;
  return t.state == task_state::failed && t.exit.finished_at_ms != 0;
}

} // namespace

std::string error_json(const std::string& message) {
  json j = json::object();
  j.set("error", message);
  return j.dump();
}

json task_summary_json(const task_status& t) {
  json j = json::object();
  j.set("id", t.task_id);
  j.set("name", t.task_name);
  j.set("job", t.job_name);
  j.set("group", t.group_name);
  j.set("alloc_id", t.alloc_id);
  j.set("state", to_string(t.state));
  j.set("container_id", t.container_id);
  j.set("image", t.image);
  return j;
}

json task_status_json(const task_status& t) {
  json j = task_summary_json(t);
  j.set("container_name", t.container_name);
  j.set("image_id", t.image_id);
  j.set("restarts", t.restarts);
  json history = json::array();
  for (const auto& h : t.history) {
    json e = json::object();
    e.set("state", to_string(h.state));
    e.set("at_ms", h.at_ms);
    if (!h.reason.empty())
      e.set("reason", h.reason);
    history.push(std::move(e));
  }
  j.set("history", std::move(history));
  json ports = json::array();
  for (const auto& p : t.ports) {
    json e = json::object();
    e.set("label", p.label);
    e.set("host_port", p.host_port);
    e.set("container_port", p.container_port);
    ports.push(std::move(e));
  }
  j.set("ports", std::move(ports));
  j.set("exit", has_exited(t) ? exit_json(t.exit) : json());
  return j;
}

json task_event_json(const task_event& e) {
  json j = json::object();
  j.set("task_id", e.task_id);
  j.set("kind", e.kind);
  j.set("at_ms", e.at_ms);
  j.set("state", to_string(e.state));
  if (!e.message.empty())
    j.set("message", utf8_text(e.message));
  if (e.kind == "progress") {
    j.set("bytes_current", e.bytes_current);
    j.set("bytes_total", e.bytes_total);
  }
  if (e.kind == "exit")
    j.set("exit", exit_json(e.exit));
  return j;
}

json task_stats_json(const task_stats& s) {
  json j = json::object();
  j.set("task_id", s.task_id);
  j.set("container_id", s.container_id);
  j.set("at_ms", s.at_ms);
  json mem = json::object();
  mem.set("rss", s.memory_rss);
  mem.set("cache", s.memory_cache);
  mem.set("usage", s.memory_usage);
  mem.set("max_usage", s.memory_max_usage);
  j.set("memory", std::move(mem));
  json cpu = json::object();
  cpu.set("percent", s.cpu_percent);
  cpu.set("user_percent", s.cpu_user_percent);
  cpu.set("system_percent", s.cpu_system_percent);
  cpu.set("throttled_periods", s.throttled_periods);
  cpu.set("throttled_time", s.throttled_time);
  j.set("cpu", std::move(cpu));
  j.set("samples", s.samples);
  return j;
}

json image_record_json(const image_record& r) {
  json j = json::object();
  j.set("image_id", r.image_id);
  j.set("references", json::array_of(r.references));
  j.set("holders", json::array_of(r.holders));
  j.set("state", r.state);
  j.set("cleanup_at_ms", r.cleanup_at_ms == 0 ? json() : json(r.cleanup_at_ms));
  return j;
}

json fingerprint_json(const fingerprint& f) {
  json j = json::object();
  j.set("health", to_string(f.health));
  if (!f.reason.empty())
    j.set("reason", f.reason);
  j.set("attributes", json::object_of(f.attributes));
  j.set("at_ms", f.at_ms);
  j.set("polls", f.polls);
  return j;
}

json exec_output_json(const exec_output& o) {
  json j = json::object();
  j.set("exit_code", o.exit_code);
  j.set("stdout", utf8_text(o.stdout_text));
  j.set("stderr", utf8_text(o.stderr_text));
  j.set("truncated", o.truncated);
  return j;
}

json actor_status_json(const actor_status& st, std::int64_t now_ms) {
  json j = json::object();
  j.set("id", st.id);
  j.set("kind", st.kind);
  j.set("name", st.name);
  j.set("state", st.state);
  j.set("mailbox", st.mailbox);
  j.set("messages", st.messages);
  j.set("rate", static_cast<double>(static_cast<std::int64_t>(st.rate * 10)) / 10);
  j.set("last_message", st.last_message);
  j.set("last_at_ms", st.last_at_ms);
  j.set("age_ms", st.born_ms ? now_ms - st.born_ms : 0);
  j.set("details", json::object_of(st.details));
  return j;
}

json actor_trace_json(const actor_trace& t) {
  json j = json::object();
  j.set("on", t.on);
  j.set("until_ms", t.until_ms);
  j.set("left", t.left);
  json list = json::array();
  for (const auto& e : t.entries) {
    json x = json::object();
    x.set("at_ms", e.at_ms);
    x.set("dir", e.dir);
    x.set("kind", e.kind);
    list.push(std::move(x));
  }
  j.set("entries", std::move(list));
  return j;
}

} // namespace stevedore::agent
