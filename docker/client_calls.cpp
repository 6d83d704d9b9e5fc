// The buffered calls: one request, one answer read whole (capped at the
// client's body_limit), decoded by docker/decode.hpp.
#include "docker/client_impl.hpp"
#include "docker/decode.hpp"

namespace stevedore::docker::detail {

namespace {

template <class T>
using decoder = std::function<result<T>(const std::string&, const std::string&)>;

// Answers whose body says nothing stevedore needs.
const decoder<unit> no_body = [](const std::string&, const std::string&) -> result<unit> {
  return unit{};
};

template <class T>
decoder<T> with(result<T> (*f)(std::string_view, std::string_view)) {
  return [f](const std::string& body, const std::string& what) { return f(body, what); };
}

const char* flag(bool b) { return b ? "1" : "0"; }

} // namespace

call_handle client_impl::ping(callback<unit> done) {
  return buffered<unit>(make_request("GET", "/_ping", "ping"), false, no_body, std::move(done));
}

call_handle client_impl::version(callback<engine_version> done) {
  return buffered<engine_version>(make_request("GET", "/version", "version"), false,
                                  with(&decode::version), std::move(done));
}

call_handle client_impl::info(callback<engine_info> done) {
  return buffered<engine_info>(make_request("GET", "/info", "info"), false, with(&decode::info),
                               std::move(done));
}

call_handle client_impl::network_inspect(std::string name, callback<network_info> done) {
  return buffered<network_info>(
    make_request("GET", "/networks/" + path_escape(name), "network inspect " + name), false,
    with(&decode::network), std::move(done));
}

call_handle client_impl::image_inspect(std::string name, callback<image_info> done) {
  return buffered<image_info>(
    make_request("GET", "/images/" + path_escape(name) + "/json", "image inspect " + name), false,
    with(&decode::image), std::move(done));
}

call_handle client_impl::image_list(callback<std::vector<image_summary>> done) {
  return buffered<std::vector<image_summary>>(make_request("GET", "/images/json", "image list"),
                                              false, with(&decode::image_list), std::move(done));
}

call_handle client_impl::image_remove(std::string name, bool force, callback<unit> done) {
  return buffered<unit>(make_request("DELETE",
                                     "/images/" + path_escape(name) + "?force=" + flag(force) + "&noprune=0",
                                     "image remove " + name),
                        false, no_body, std::move(done));
}

call_handle client_impl::container_create(std::string name, std::string body,
                                          callback<create_answer> done) {
  std::string target = "/containers/create";
  if (!name.empty())
    target += "?name=" + query_escape(name);
  request req = make_request("POST", std::move(target), "container create " + name);
  req.body = std::move(body);
  return buffered<create_answer>(std::move(req), false, with(&decode::create), std::move(done));
}

call_handle client_impl::container_start(std::string id, callback<unit> done) {
  return buffered<unit>(make_request("POST", "/containers/" + path_escape(id) + "/start",
                                     "container start " + id),
                        true, no_body, std::move(done));
}

call_handle client_impl::container_inspect(std::string id, callback<container_info> done) {
  return buffered<container_info>(
    make_request("GET", "/containers/" + path_escape(id) + "/json", "container inspect " + id),
    false, with(&decode::container), std::move(done));
}

call_handle client_impl::container_stop(std::string id, std::chrono::seconds grace,
                                        callback<unit> done) {
  request req = make_request("POST",
                             "/containers/" + path_escape(id) + "/stop?t=" + std::to_string(grace.count()),
                             "container stop " + id);
  req.timeout += std::chrono::duration_cast<std::chrono::milliseconds>(grace);
  return buffered<unit>(std::move(req), true, no_body, std::move(done));
}

call_handle client_impl::container_kill(std::string id, std::string signal, callback<unit> done) {
  std::string target = "/containers/" + path_escape(id) + "/kill";
  if (!signal.empty())
    target += "?signal=" + query_escape(signal);
  return buffered<unit>(make_request("POST", std::move(target), "container kill " + id + " " + signal),
                        false, no_body, std::move(done));
}

call_handle client_impl::container_remove(std::string id, bool force, bool remove_volumes,
                                          callback<unit> done) {
  return buffered<unit>(make_request("DELETE",
                                     "/containers/" + path_escape(id) + "?force=" + flag(force) +
                                       "&v=" + flag(remove_volumes),
                                     "container remove " + id),
                        false, no_body, std::move(done));
}

call_handle client_impl::container_list(std::vector<std::string> label_filters, bool all,
                                        callback<std::vector<container_summary>> done) {
  std::string target = std::string("/containers/json?all=") + flag(all);
  if (!label_filters.empty()) {
    std::string filters = "{\"label\":[";
    for (std::size_t i = 0; i < label_filters.size(); ++i)
      filters += (i ? "," : "") + json_quote(label_filters[i]);
    filters += "]}";
    target += "&filters=" + query_escape(filters);
  }
  return buffered<std::vector<container_summary>>(make_request("GET", std::move(target), "container list"),
                                                  false, with(&decode::container_list), std::move(done));
}

call_handle client_impl::container_stats(std::string id, callback<stats_sample> done) {
  return buffered<stats_sample>(
    make_request("GET", "/containers/" + path_escape(id) + "/stats?stream=false&one-shot=true",
                 "container stats " + id),
    false, with(&decode::stats), std::move(done));
}

call_handle client_impl::exec_create(std::string container_id, exec_request req,
                                     callback<std::string> done) {
  auto list = [](const std::vector<std::string>& xs) {
    std::string out = "[";
    for (std::size_t i = 0; i < xs.size(); ++i)
      out += (i ? "," : "") + json_quote(xs[i]);
    return out + "]";
  };
  std::string body = std::string("{\"AttachStdin\":") + (req.attach_stdin ? "true" : "false") +
                     ",\"AttachStdout\":" +
                     std::string(req.attach_stdout ? "true" : "false") +
                     ",\"AttachStderr\":" + (req.attach_stderr ? "true" : "false") +
                     ",\"Tty\":" + (req.tty ? "true" : "false") + ",\"Cmd\":" + list(req.cmd);
  if (!req.env.empty())
    body += ",\"Env\":" + list(req.env);
  if (!req.user.empty())
    body += ",\"User\":" + json_quote(req.user);
  if (!req.working_dir.empty())
    body += ",\"WorkingDir\":" + json_quote(req.working_dir);
  body += "}";
  request r = make_request("POST", "/containers/" + path_escape(container_id) + "/exec",
                           "exec create in " + container_id);
  r.body = std::move(body);
  return buffered<std::string>(std::move(r), false, with(&decode::id), std::move(done));
}

call_handle client_impl::exec_inspect(std::string exec_id, callback<exec_info> done) {
  return buffered<exec_info>(
    make_request("GET", "/exec/" + path_escape(exec_id) + "/json", "exec inspect " + exec_id), false,
    with(&decode::exec), std::move(done));
}

} // namespace stevedore::docker::detail
