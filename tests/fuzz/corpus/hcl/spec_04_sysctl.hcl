config {
  sysctl {
    net.core.somaxconn = "16384"
  }
}
