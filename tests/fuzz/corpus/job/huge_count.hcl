job "web" {
  group "g" {
    count = 100000000
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
      }
    }
  }
}
