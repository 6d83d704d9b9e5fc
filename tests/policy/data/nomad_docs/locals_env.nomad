# hcl2/locals.mdx style: locals computed from a variable and used in env and args.
variable "env" {
  default = "staging"
}

locals {
  default_name_prefix = "${var.env}-app"
  name_prefix         = upper(local.default_name_prefix)
  ports               = { http = 8080 }
}

job "docs" {
  group "example" {
    network {
      port "http" {
        to = local.ports.http
      }
    }
    task "server" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo"
        args  = ["-listen", ":${local.ports.http}", "-text", local.name_prefix]
        ports = ["http"]
      }
      env {
        APP_NAME = local.default_name_prefix
        ADDR     = "${NOMAD_ADDR_http}"
      }
    }
  }
}
