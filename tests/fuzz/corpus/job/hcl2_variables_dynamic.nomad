# hcl2/variables.mdx: variable declarations and var.<NAME> in a docker config;
# the documentation runs it with -var="image_id=nginx:1.19".
variable "image_id" {
  type        = string
  default     = "nginx:1.19"
  description = "The docker image used for task."
}

variable "availability_zone_names" {
  type    = list(string)
  default = ["us-west-1a"]
}

variable "docker_ports" {
  type = list(object({
    internal = number
    external = number
    protocol = string
  }))
  default = [
    {
      internal = 8300
      external = 8300
      protocol = "tcp"
    }
  ]
}

job "docs" {
  datacenters = var.availability_zone_names
  group "example" {
    network {
      dynamic "port" {
        for_each = var.docker_ports
        labels   = ["p${port.value.internal}"]
        content {
          static = port.value.external
          to     = port.value.internal
        }
      }
    }
    task "server" {
      driver = "docker"
      config {
        image = var.image_id
        ports = [for p in var.docker_ports : "p${p.internal}"]
      }
    }
  }
}
