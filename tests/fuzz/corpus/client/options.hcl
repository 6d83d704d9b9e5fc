client {
  options {
    "docker.endpoint" = "unix:///var/run/docker.sock"
    "docker.cleanup.image.delay" = "1000000h"
    "docker.caps.whitelist" = "ALL"
    "docker.privileged.enabled" = "true"
    "stevedore.pull.max_concurrent" = "9223372036854775807"
    "stevedore.job.max_count" = 0
    "stevedore.job.max_size" = "4096"
  }
  min_dynamic_port = 70000
  meta { rack = "r1\u001b[2K" }
}
