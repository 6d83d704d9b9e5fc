# hcl2/index.mdx: sysctl as a map assignment, mounts as an assignment, the
# mount block, and a heredoc (its template block is accepted with a warning).
job "docs" {
  group "example" {
    task "server" {
      driver = "docker"
      config {
        image = "redis:7"
        sysctl = {
          "net.core.somaxconn" = "16384"
        }
        # VALID in Nomad 1.0
        mounts = [
          {
            type = "tmpfs"
            target = "/scratch"
            tmpfs_options = {
              size = 10000
            }
          }
        ]
        mount {
          type   = "tmpfs"
          target = "/cache"
          tmpfs_options {
            size = 10000
          }
        }
      }
      template {
        data = <<EOF
hello
  world
  EOF
      }
    }
  }
}
