job "web" {
  group "g" {
    count = 2
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        args = ["${NOMAD_PORT_http}", "${meta.x}", "${node.unique.id}"]
        labels { "${NOMAD_TASK_NAME}" = "${attr.kernel.name}" }
      }
      resources {
        network {
          port "http" {}
        }
      }
      kill_timeout = "2562047h"
      logs {
        max_files = 100000000
        max_file_size = 9000000000000
      }
    }
  }
}
