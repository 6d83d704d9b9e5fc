job "web" {
  group "g" {
    count = 1
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        auth {
          username = "u"
          password = "pa${ss"
        }
      }
    }
  }
}
