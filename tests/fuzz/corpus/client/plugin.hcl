plugin "docker" {
  config {
    endpoint = "tcp://127.0.0.1:2376"
    tls { cert = "/c.pem" key = "/k.pem" ca = "/ca.pem" }
    gc { image = false image_delay = "3m" container = true }
    volumes { enabled = false }
    allow_privileged = true
    allow_caps = ["ALL"]
  }
}
