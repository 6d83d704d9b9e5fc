// The exact Engine API 1.41 `POST /containers/create` body for one task
// instance, built from small pieces: the container config (command, env,
// labels, ports exposed), storage (binds, mounts), resources, networking,
// security and logging. Options the user did not set are left out, so the
// daemon's defaults apply; key order is fixed, so bodies are byte-for-byte
// reproducible.
//
// Option (task config unless noted)      -> Engine API field
//   image (normalised)                   -> Image
//   command + args / args alone          -> Cmd
//   entrypoint                           -> Entrypoint
//   env (final, sorted "K=V")            -> Env
//   labels + com.stevedore.*             -> Labels
//   hostname / user (task) / work_dir    -> Hostname / User / WorkingDir
//   tty / interactive                    -> Tty / OpenStdin (StdinOnce false)
//   mac_address                          -> MacAddress
//   ports (task resources)               -> ExposedPorts, HostConfig.PortBindings (tcp and udp)
//   healthchecks.disable                 -> Healthcheck {Test: ["NONE"]}
//   /alloc /local /secrets, volumes      -> HostConfig.Binds (+ docker.volumes.selinuxlabel)
//   volume_driver / mounts               -> HostConfig.VolumeDriver / Mounts
//   resources.cpu (cores: cores x MHz per core) -> CpuShares; cpuset_cpus -> CpusetCpus
//   cpu_hard_limit, cpu_cfs_period       -> CpuQuota, CpuPeriod (see cpu_quota())
//   resources.memory, memory_hard_limit or resources.memory_max
//                                        -> Memory, MemoryReservation, MemorySwap (= Memory: no swap)
//   pids_limit (else the client's) / ulimit / devices -> PidsLimit / Ulimits / Devices
//   shm_size / oom_score_adj             -> ShmSize / OomScoreAdj
//   network_mode (default "bridge")      -> NetworkMode
//   dns_servers / dns_search_domains / dns_options / extra_hosts
//                                        -> Dns / DnsSearch / DnsOptions / ExtraHosts
//   privileged / cap_add / cap_drop / security_opt / readonly_rootfs / group_add
//                                        -> Privileged / CapAdd / CapDrop / SecurityOpt / ReadonlyRootfs / GroupAdd
//   ipc_mode / pid_mode / uts_mode / userns_mode -> IpcMode / PidMode / UTSMode / UsernsMode
//   cgroupns / isolation                 -> CgroupnsMode / Isolation
//   sysctl / storage_opt                 -> Sysctls / StorageOpt
//   logging {type, config}, else the client's logging (json-file, max-file 2, max-size 2m)
//                                        -> LogConfig {Type, Config}
//   init / runtime                       -> Init / Runtime
//   network_aliases, ipv4/ipv6_address   -> NetworkingConfig.EndpointsConfig[network_mode] {Aliases, IPAMConfig}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/json.hpp"
#include "messages/task_instance.hpp"
#include "policy/volumes.hpp"

namespace stevedore::policy {

// The whole body. Reads the instance's (interpolated) task, image, ports,
// env and labels; `volumes` from plan_volumes(). Values that cannot be
// mapped (an unparsable ulimit) are appended to `problems` with `path`.
json to_create_body(const task_instance& inst, const volume_plan& volumes,
                    const client_config& client, const node_facts& node,
                    const std::string& path, std::vector<error_info>& problems);

// Cmd: command followed by args; args alone when there is no command.
std::vector<std::string> command_line(const docker_config& config);

// CpuQuota for cpu_hard_limit, Nomad's formula (0.8, with the cpu_cfs_period
// option of 0.9): the task's share of the node's MHz, times the period,
// times the cores, since a CFS quota counts time on every core:
//   quota = int(cpu / total_mhz * period) * cores
// A node of unknown size counts as 1000 MHz per core. Docker refuses quotas
// under 1000 us, so the result is at least 1000.
std::int64_t cpu_quota(std::int64_t cpu_mhz, std::int64_t period_us, const node_facts& node);

// CpuShares: cpu in MHz (at least 2, the kernel's least), or for `cores`
// the cores times the node's MHz per core (1000 when unknown).
std::int64_t cpu_shares(const resources_spec& r, const node_facts& node);

// "2048:4096" -> {2048, 4096}; "4242" -> {4242, 4242}.
bool parse_ulimit(const std::string& text, std::int64_t& soft, std::int64_t& hard);

// The pieces, each adding its fields to HostConfig (`host`) or returning a
// sub-object; exposed for tests.
json exposed_ports(const std::vector<task_port>& ports);
json port_bindings(const std::vector<task_port>& ports, const std::string& host_ip);
json mounts_field(const std::vector<mount_config>& mounts);
json devices_field(const std::vector<device_config>& devices);
void add_resources(json& host, const task_spec& task, const node_facts& node,
                   const std::string& path, std::vector<error_info>& problems);
void add_networking(json& host, const task_instance& inst, const client_config& client);
void add_security(json& host, const docker_config& config);
void add_runtime_options(json& host, const docker_config& config, const client_config& client);
json networking_config(const docker_config& config); // null when none is needed

} // namespace stevedore::policy
