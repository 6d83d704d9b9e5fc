job "web" {
  group "g" {
    count = 1
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
      }
      resources {
        cpu = 9223372036854775807
        memory = 9223372036854775807
      }
    }
  }
}
