# A small Nomad job for tools/demo.sh: one Docker task that greets and exits 0.
# The image is one of the test environment's (tools/testenv.sh), built locally
# from Debian's busybox-static, so the demo needs no outside registry.
job "hello" {
  datacenters = ["dc1"]
  type        = "batch"

  group "greet" {
    count = 1

    task "hello" {
      driver = "docker"

      config {
        image   = "stevedore-test/busybox:1"
        command = "/bin/sh"
        args    = ["-c", "echo \"Hello from task ${NOMAD_TASK_NAME}, supervised by stevedore\""]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
