# network.mdx: the opening example's ports (two dynamic, one static), with a
# docker task publishing them.
job "docs" {
  group "example" {
    network {
      port "http" {}
      port "https" {}
      port "lb" {
        static = 8889
      }
    }
    task "server" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo"
        ports = ["http", "https", "lb"]
      }
    }
  }
}
