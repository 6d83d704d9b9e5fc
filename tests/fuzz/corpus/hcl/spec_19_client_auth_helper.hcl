client {
  enabled = true
  options {
    "docker.auth.helper" = "ecr"
  }
}
