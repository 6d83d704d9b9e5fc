# network.mdx, "DNS" and "Host Networks" (mode "host": bridge is refused on
# one node), with a docker task.
job "docs" {
  group "example" {
    network {
      dns {
        servers = ["8.8.8.8", "8.8.4.4"]
      }
      # define a port that is only exposed to private traffic
      port "admin" {
        to           = 9000
        host_network = "private"
      }
    }
    task "admin" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo"
        ports = ["admin"]
      }
    }
  }
}
