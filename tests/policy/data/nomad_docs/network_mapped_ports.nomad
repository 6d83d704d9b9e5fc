# network.mdx, "Mapped Ports" (the documentation leaves out the image)
job "docs" {
  group "app" {
    network {
      port "http" {
        to = 8080
      }
    }

    task "example" {
      driver = "docker"

      config {
        image = "hashicorp/http-echo"
        ports = ["http"]
      }
    }
  }
}
