# The specification's examples, gathered into one job: the input of the
# golden test golden.spec_webservice_from_hcl (create_body_test.cpp).
job "docs" {
  datacenters = ["dc1"]
  meta {
    VERSION = "v0.3"
  }

  group "webservice" {
    count = 1
    meta {
      tier = "front"
    }

    task "webservice" {
      driver = "docker"
      user   = "www-data"

      config {
        image   = "redis:3.2"
        command = "my-command"
        args = [
          "-bind", "${NOMAD_PORT_http}",
          "${nomad.datacenter}",
          "${MY_ENV}",
          "${meta.foo}",
        ]
        labels {
          group = "webservice-cache"
        }
        port_map {
          http  = 8080
          redis = 6379
        }
        sysctl {
          net.core.somaxconn = "16384"
        }
        ulimit {
          nproc  = "4242"
          nofile = "2048:4096"
        }
        logging {
          type = "fluentd"
          config {
            fluentd-address = "localhost:24224"
            tag             = "your_tag"
          }
        }
        dns_servers        = ["8.8.8.8", "8.8.4.4"]
        dns_search_domains = ["service.consul"]
        extra_hosts        = ["db:10.0.0.7"]
        hostname           = "${NOMAD_TASK_NAME}"
        network_mode       = "user-network"
        network_aliases = [
          "${NOMAD_TASK_NAME}",
          "${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}"
        ]
        volumes = [
          "/path/on/host:/path/in/container",
          "relative/to/task:/also/in/container"
        ]
        devices = [
          {
            host_path          = "/dev/sda1"
            container_path     = "/dev/xvdc"
            cgroup_permissions = "r"
          },
          {
            host_path = "/dev/sda2"
            container_path = "/dev/xvdd"
          }
        ]
        cap_add         = ["SYS_TIME"]
        cap_drop        = ["MKNOD"]
        security_opt    = ["no-new-privileges"]
        shm_size        = 67108864
        pids_limit      = 100
        readonly_rootfs = true
        cpu_hard_limit  = true
        cpu_cfs_period  = 50000
      }

      env {
        MY_ENV = "hello ${NOMAD_ALLOC_NAME}"
      }

      resources {
        cpu    = 500
        memory = 256
        network {
          mbits = 20
          port "http" {}
          port "redis" {}
          port "admin" {
            static = 9090
          }
        }
      }
    }
  }
}
