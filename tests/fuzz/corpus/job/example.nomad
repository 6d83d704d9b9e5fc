# A job as a Nomad 0.8 user writes it: every block kind the parser meets.
job "example" {
  datacenters = ["dc1", "dc2"]
  type        = "service"
  priority    = 50

  /* Keep it on Linux
     hosts only. */
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    auto_revert      = false
  }

  group "cache" {
    count = 3

    restart {
      attempts = 10
      interval = "5m"
      delay    = "25s"
      mode     = "delay"
    }

    ephemeral_disk {
      size = 300
    }

    task "redis" {
      driver = "docker"

      config {
        image = "redis:3.2"
        port_map {
          db = 6379
        }
        args = ["--maxmemory", "${NOMAD_MEMORY_LIMIT}mb",]
        dns_servers = ["8.8.8.8", "8.8.4.4"]
        ulimit {
          nofile = "2048:4096"
        }
        logging {
          type = "syslog"
          config {
            tag = "redis"
          }
        }
      }

      artifact {
        source      = "https://example.com/redis.conf"
        destination = "local/"
        options {
          checksum = "sha256:abd123445ds4555555555"
        }
      }

      template {
        data = <<EOH
bind 0.0.0.0
port {{ env "NOMAD_PORT_db" }}
EOH
        destination = "local/redis.conf"
        change_mode = "signal"
        change_signal = "SIGHUP"
      }

      template {
        data          = <<-EOT
          maxmemory ${NOMAD_MEMORY_LIMIT}mb
            # kept indented
          EOT
        destination   = "local/extra.conf"
      }

      env {
        REDIS_MODE = "cache"
        "LOG.LEVEL" = "debug"
      }

      meta {
        owner = "team-cache"
        tier  = 2
      }

      logs {
        max_files     = 10
        max_file_size = 15
      }

      resources {
        cpu    = 500 # MHz
        memory = 256 // MB
        network {
          mbits = 10
          port "db" {}
          port "admin" {
            static = 8080
          }
        }
      }

      service {
        name = "global-redis-check"
        tags = ["global", "cache"]
        port = "db"
        check {
          name     = "alive"
          type     = "tcp"
          interval = "10s"
          timeout  = "2s"
        }
      }

      kill_timeout = "20s"
    }
  }
}
