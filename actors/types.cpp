#include "actors/types.hpp"

#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "messages/client_config.hpp"
#include "messages/engine.hpp"
#include "messages/error.hpp"
#include "messages/node.hpp"
#include "messages/result.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"
#include "messages/task_state.hpp"

namespace stevedore {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<unit>("stevedore::unit");
  cfg.add_message_type<error_info>("stevedore::error_info");
  cfg.add_message_type<client_config>("stevedore::client_config");
  cfg.add_message_type<task_spec>("stevedore::task_spec");
  cfg.add_message_type<job_spec>("stevedore::job_spec");
  cfg.add_message_type<task_instance>("stevedore::task_instance");
  cfg.add_message_type<std::vector<task_instance>>("std::vector<stevedore::task_instance>");
  cfg.add_message_type<node_facts>("stevedore::node_facts");
  cfg.add_message_type<task_state>("stevedore::task_state");
  cfg.add_message_type<exit_result>("stevedore::exit_result");
  cfg.add_message_type<state_change>("stevedore::state_change");
  cfg.add_message_type<task_event>("stevedore::task_event");
  cfg.add_message_type<task_status>("stevedore::task_status");
  cfg.add_message_type<exec_output>("stevedore::exec_output");
  cfg.add_message_type<std::vector<task_status>>("std::vector<stevedore::task_status>");
  cfg.add_message_type<engine_version>("stevedore::engine_version");
  cfg.add_message_type<engine_info>("stevedore::engine_info");
  cfg.add_message_type<network_info>("stevedore::network_info");
  cfg.add_message_type<image_info>("stevedore::image_info");
  cfg.add_message_type<image_summary>("stevedore::image_summary");
  cfg.add_message_type<pull_progress>("stevedore::pull_progress");
  cfg.add_message_type<pull_summary>("stevedore::pull_summary");
  cfg.add_message_type<create_answer>("stevedore::create_answer");
  cfg.add_message_type<container_info>("stevedore::container_info");
  cfg.add_message_type<container_summary>("stevedore::container_summary");
  cfg.add_message_type<wait_answer>("stevedore::wait_answer");
  cfg.add_message_type<stats_sample>("stevedore::stats_sample");
  cfg.add_message_type<exec_info>("stevedore::exec_info");
  cfg.add_message_type<engine_event>("stevedore::engine_event");
  cfg.add_message_type<daemon_health>("stevedore::daemon_health");
  cfg.add_message_type<fingerprint>("stevedore::fingerprint");
  cfg.add_message_type<image_request>("stevedore::image_request");
  cfg.add_message_type<image_lease>("stevedore::image_lease");
  cfg.add_message_type<image_record>("stevedore::image_record");
  cfg.add_message_type<std::vector<image_record>>("std::vector<stevedore::image_record>");
  cfg.add_message_type<task_stats>("stevedore::task_stats");
  cfg.add_message_type<actor_status>("stevedore::actor_status");
  cfg.add_message_type<std::vector<actor_status>>("std::vector<stevedore::actor_status>");
  cfg.add_message_type<actor_query>("stevedore::actor_query");
  cfg.add_message_type<actor_page>("stevedore::actor_page");
  cfg.add_message_type<trace_entry>("stevedore::trace_entry");
  cfg.add_message_type<actor_trace>("stevedore::actor_trace");
  cfg.add_message_type<std::vector<task_event>>("std::vector<stevedore::task_event>");
}

} // namespace stevedore
