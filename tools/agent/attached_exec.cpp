#include "tools/agent/attached_exec.hpp"

#include "docker/exec_stream.hpp"

namespace stevedore::agent {

namespace {

// Inspections right after the output ended may still see the command
// running (dockerd records the exit a moment after closing the stream).
constexpr int inspect_tries = 50;

class channel final : public exec_channel {
public:
  explicit channel(std::shared_ptr<docker::exec_stream> s) : s_(std::move(s)) {}
  void input(std::string bytes) override { s_->write(std::move(bytes)); }
  void close_input() override { s_->close_input(); }
  void resize(int height, int width) override { s_->resize(height, width); }
  void cancel() override { s_->cancel(); }

private:
  std::shared_ptr<docker::exec_stream> s_;
};

// Until the exec no longer runs, at most `tries` inspections: its exit code.
void read_exit(std::shared_ptr<docker::client> docker, std::string exec_id, int tries,
               std::function<void(result<std::int64_t>)> done) {
  docker->exec_inspect(exec_id, [docker, exec_id, tries, done = std::move(done)](result<exec_info> r) mutable {
    if (!r)
      return done(std::move(r).error());
    if (r->running && tries > 1)
      return read_exit(std::move(docker), std::move(exec_id), tries - 1, std::move(done));
    if (r->running)
      return done(make_error(errc::timeout, "exec " + exec_id, "its output ended but it still runs"));
    done(r->exit_code);
  });
}

} // namespace

void start_attached_exec(std::shared_ptr<docker::client> docker, std::string task_id,
                         std::string container_id, exec_start what, exec_sink sink,
                         reply<std::shared_ptr<exec_channel>> started) {
  docker::exec_request req;
  req.cmd = std::move(what.cmd);
  req.tty = what.tty;
  req.attach_stdin = what.stdin_open;
  const bool tty = what.tty;
  docker->exec_create(container_id, std::move(req),
    [docker, task_id, tty, sink = std::move(sink), started = std::move(started)](result<std::string> id) mutable {
      if (!id)
        return started(make_error(id.error().kind, "exec in task " + task_id, to_string(id.error())));
      auto on_output = [out = sink.output](docker::output_stream s, std::string_view bytes) {
        out(s == docker::output_stream::stderr_stream, bytes);
        return true;
      };
      auto on_end = [docker, exec_id = *id, exited = sink.exited](result<unit> r) {
        if (!r)
          return exited(std::move(r).error());
        read_exit(docker, exec_id, inspect_tries, exited);
      };
      auto stream = docker::exec_stream::open(docker->where(), docker->api_version(), *id, tty,
                                              std::move(on_output), std::move(on_end));
      started(std::shared_ptr<exec_channel>(std::make_shared<channel>(std::move(stream))));
    });
}

} // namespace stevedore::agent
