config {
  image = "https://hub.docker.internal/redis:3.2"
}
