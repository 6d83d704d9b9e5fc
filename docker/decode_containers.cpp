// Decoding of the container, exec and stream answers: create, inspect, list,
// wait, stats, exec, events, and the lines of pull and load progress.
#include <charconv>

#include "docker/decode_support.hpp"

namespace stevedore::docker::decode {

using namespace detail;

namespace {

constexpr error_code ok = simdjson::SUCCESS;

// NetworkSettings.Ports: {"8080/tcp": [{"HostIp", "HostPort": "32768"}] | null}.
error_code read_ports(od::value x, trail& tr, std::vector<published_port>& out) {
  return each_field(x, tr, [&](std::string_view port, od::value bindings) -> error_code {
    return each_element(bindings, tr, [&](od::value b) -> error_code {
      published_port p;
      p.container_port = std::string(port);
      std::string host_port;
      error_code e = each_field(b, tr, [&](std::string_view k, od::value v) -> error_code {
        if (k == "HostIp") return read(v, p.host_ip);
        if (k == "HostPort") return read(v, host_port);
        return ok;
      });
      if (e)
        return e;
      auto [end, ec] = std::from_chars(host_port.data(), host_port.data() + host_port.size(), p.host_port);
      if (ec != std::errc() || end != host_port.data() + host_port.size()) {
        tr.push("HostPort");
        return simdjson::INCORRECT_TYPE;
      }
      out.push_back(std::move(p));
      return ok;
    });
  });
}

} // namespace

result<create_answer> create(std::string_view body, std::string_view what) {
  return parse<create_answer>(body, what, [](od::value root, create_answer& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "Id") return read(x, v.id);
      if (k == "Warnings") return read(x, v.warnings);
      return ok;
    });
  });
}

result<container_info> container(std::string_view body, std::string_view what) {
  return parse<container_info>(body, what, [](od::value root, container_info& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "Id") return read(x, v.id);
      if (k == "Image") return read(x, v.image_id);
      if (k == "RestartCount") return read(x, v.restart_count);
      if (k == "Name") {
        error_code e = read(x, v.name);
        if (!e && !v.name.empty() && v.name.front() == '/')
          v.name.erase(0, 1);
        return e;
      }
      if (k == "State")
        return each_field(x, tr, [&](std::string_view sk, od::value sx) -> error_code {
          if (sk == "Status") return read(sx, v.status);
          if (sk == "Running") return read(sx, v.running);
          if (sk == "Restarting") return read(sx, v.restarting);
          if (sk == "OOMKilled") return read(sx, v.oom_killed);
          if (sk == "Dead") return read(sx, v.dead);
          if (sk == "Pid") return read(sx, v.pid);
          if (sk == "ExitCode") return read(sx, v.exit_code);
          if (sk == "Error") return read(sx, v.error);
          if (sk == "StartedAt") return read(sx, v.started_at);
          if (sk == "FinishedAt") return read(sx, v.finished_at);
          return ok;
        });
      if (k == "Config")
        return each_field(x, tr, [&](std::string_view ck, od::value cx) -> error_code {
          if (ck == "Tty") return read(cx, v.tty);
          if (ck == "Image") return read(cx, v.image);
          if (ck == "Labels") return read(cx, v.labels);
          if (ck == "StopSignal") return read(cx, v.stop_signal);
          return ok;
        });
      if (k == "NetworkSettings")
        return each_field(x, tr, [&](std::string_view nk, od::value nx) -> error_code {
          return nk == "Ports" ? read_ports(nx, tr, v.ports) : ok;
        });
      return ok;
    });
  });
}

result<std::vector<container_summary>> container_list(std::string_view body, std::string_view what) {
  using list = std::vector<container_summary>;
  return parse<list>(body, what, [](od::value root, list& out, trail& tr) {
    return each_element(root, tr, [&](od::value item) -> error_code {
      container_summary& v = out.emplace_back();
      return each_field(item, tr, [&](std::string_view k, od::value x) -> error_code {
        if (k == "Id") return read(x, v.id);
        if (k == "Image") return read(x, v.image);
        if (k == "ImageID") return read(x, v.image_id);
        if (k == "Created") return read(x, v.created);
        if (k == "Labels") return read(x, v.labels);
        if (k == "State") return read(x, v.state);
        if (k == "Status") return read(x, v.status);
        if (k == "Names") {
          error_code e = read(x, v.names);
          for (auto& n : v.names)
            if (!n.empty() && n.front() == '/')
              n.erase(0, 1);
          return e;
        }
        return ok;
      });
    });
  });
}

result<wait_answer> wait(std::string_view body, std::string_view what) {
  return parse<wait_answer>(body, what, [](od::value root, wait_answer& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "StatusCode") return read(x, v.status_code);
      if (k == "Error")
        return each_field(x, tr, [&](std::string_view ek, od::value ex) -> error_code {
          return ek == "Message" ? read(ex, v.error) : ok;
        });
      return ok;
    });
  });
}

namespace {

// cpu_stats / precpu_stats.
struct cpu_fields {
  std::int64_t total = 0, user = 0, kernel = 0, system = 0, online = 0;
  std::int64_t periods = 0, throttled_periods = 0, throttled_time = 0;
};

error_code read_cpu(od::value x, trail& tr, cpu_fields& c) {
  return each_field(x, tr, [&](std::string_view k, od::value v) -> error_code {
    if (k == "cpu_usage")
      return each_field(v, tr, [&](std::string_view uk, od::value uv) -> error_code {
        if (uk == "total_usage") return read(uv, c.total);
        if (uk == "usage_in_kernelmode") return read(uv, c.kernel);
        if (uk == "usage_in_usermode") return read(uv, c.user);
        return ok;
      });
    if (k == "system_cpu_usage") return read(v, c.system);
    if (k == "online_cpus") return read(v, c.online);
    if (k == "throttling_data")
      return each_field(v, tr, [&](std::string_view tk, od::value tv) -> error_code {
        if (tk == "periods") return read(tv, c.periods);
        if (tk == "throttled_periods") return read(tv, c.throttled_periods);
        if (tk == "throttled_time") return read(tv, c.throttled_time);
        return ok;
      });
    return ok;
  });
}

} // namespace

result<stats_sample> stats(std::string_view body, std::string_view what) {
  return parse<stats_sample>(body, what, [](od::value root, stats_sample& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "read") return read(x, v.read);
      if (k == "pids_stats")
        return each_field(x, tr, [&](std::string_view pk, od::value px) -> error_code {
          return pk == "current" ? read(px, v.pids) : ok;
        });
      if (k == "cpu_stats") {
        cpu_fields c;
        error_code e = read_cpu(x, tr, c);
        v.cpu_total = c.total;
        v.cpu_user = c.user;
        v.cpu_kernel = c.kernel;
        v.system_cpu = c.system;
        v.online_cpus = c.online;
        v.throttling_periods = c.periods;
        v.throttled_periods = c.throttled_periods;
        v.throttled_time = c.throttled_time;
        return e;
      }
      if (k == "precpu_stats") {
        cpu_fields c;
        error_code e = read_cpu(x, tr, c);
        v.pre_cpu_total = c.total;
        v.pre_system_cpu = c.system;
        return e;
      }
      if (k == "memory_stats")
        return each_field(x, tr, [&](std::string_view mk, od::value mx) -> error_code {
          if (mk == "usage") return read(mx, v.memory_usage);
          if (mk == "max_usage") return read(mx, v.memory_max_usage);
          if (mk == "limit") return read(mx, v.memory_limit);
          if (mk != "stats")
            return ok;
          // cgroup v1 says rss and cache, v2 anon and file; a daemon sends one pair.
          return each_field(mx, tr, [&](std::string_view sk, od::value sx) -> error_code {
            if (sk == "rss" || sk == "anon") return read(sx, v.memory_rss);
            if (sk == "cache" || sk == "file") return read(sx, v.memory_cache);
            return ok;
          });
        });
      return ok;
    });
  });
}

result<std::string> id(std::string_view body, std::string_view what) {
  return parse<std::string>(body, what, [](od::value root, std::string& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      return k == "Id" ? read(x, v) : ok;
    });
  });
}

result<exec_info> exec(std::string_view body, std::string_view what) {
  auto r = parse<exec_info>(body, what, [](od::value root, exec_info& v, trail& tr) {
    bool exit_null = true;
    error_code e = each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "ID") return read(x, v.id);
      if (k == "Running") return read(x, v.running);
      if (k == "Pid") return read(x, v.pid);
      if (k == "ExitCode") {
        exit_null = is_null(x);
        return read(x, v.exit_code);
      }
      return ok;
    });
    if (exit_null || v.running)
      v.exit_code = -1; // no exit code yet
    return e;
  });
  return r;
}

result<engine_event> event(std::string_view line, std::string_view what, bool attributes) {
  return parse<engine_event>(line, what, [attributes](od::value root, engine_event& v, trail& tr) {
    std::string status, old_id; // the pre-1.22 names, for events that lack the new ones
    error_code e = each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "status") return read(x, status);
      if (k == "id") return read(x, old_id);
      if (k == "Type") return read(x, v.type);
      if (k == "Action") return read(x, v.action);
      if (k == "timeNano") return read(x, v.time_nano);
      if (k == "Actor")
        return each_field(x, tr, [&](std::string_view ak, od::value ax) -> error_code {
          if (ak == "ID") return read(ax, v.id);
          if (ak == "Attributes" && attributes) return read(ax, v.attributes);
          return ok;
        });
      return ok;
    });
    if (v.action.empty())
      v.action = std::move(status);
    if (v.id.empty())
      v.id = std::move(old_id);
    return e;
  });
}

result<stream_line> progress_line(std::string_view line, std::string_view what) {
  return parse<stream_line>(line, what, [](od::value root, stream_line& v, trail& tr) {
    std::string detail_message;
    error_code e = each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "status") return read(x, v.progress.status);
      if (k == "id") return read(x, v.progress.id);
      if (k == "stream") return read(x, v.stream);
      if (k == "error") return read(x, v.error);
      if (k == "progressDetail")
        return each_field(x, tr, [&](std::string_view pk, od::value px) -> error_code {
          if (pk == "current") return read(px, v.progress.current);
          if (pk == "total") return read(px, v.progress.total);
          return ok;
        });
      if (k == "errorDetail")
        return each_field(x, tr, [&](std::string_view dk, od::value dx) -> error_code {
          return dk == "message" ? read(dx, detail_message) : ok;
        });
      return ok;
    });
    if (!detail_message.empty())
      v.error = std::move(detail_message);
    return e;
  });
}

} // namespace stevedore::docker::decode
