job "web" {
  group "g" {
    count = 1
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        memory_hard_limit = 9223372036854775807
      }
    }
  }
}
