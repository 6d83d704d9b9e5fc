# resources.mdx, "Cores" and "Memory" with memory_max (Memory Oversubscription)
job "docs" {
  group "example" {
    task "server" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo"
      }
      resources {
        cores      = 2
        memory     = 2000
        memory_max = 4000
      }
    }
  }
}
