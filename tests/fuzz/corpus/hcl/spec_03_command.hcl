config {
  command = "my-command"
}
