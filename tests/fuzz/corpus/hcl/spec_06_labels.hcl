config {
  labels {
    foo = "bar"
    zip = "zap"
  }
}
