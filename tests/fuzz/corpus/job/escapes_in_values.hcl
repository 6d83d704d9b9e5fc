job "j\u001b[2K\rjob \"j\" is valid\n" {
  task "t" {
    driver = "docker"
    config { image = "redis\r\u001b[1A" }
  }
}
