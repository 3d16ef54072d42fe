# Consul server agent for the compose cluster: one server, UI on 8500, DNS on 8600.
#
# For a 3-server cluster (tolerates one failure), run three agents with this file and:
#   bootstrap_expect = 3
#   retry_join       = ["consul-1", "consul-2", "consul-3"]
# and give each its own node_name. Keep an odd number of servers; 5 tolerates two failures.

server           = true
bootstrap_expect = 1
node_name        = "consul-server"
datacenter       = "dc1"
data_dir         = "/consul/data"
log_level        = "INFO"

# Reachable from the other containers (services register with CONSUL_HTTP_ADDR=consul:8500).
client_addr = "0.0.0.0"
bind_addr   = "0.0.0.0"

ui_config {
  enabled = true
}

ports {
  http = 8500
  dns  = 8600
  grpc = 8502
}

# Services register their own gRPC checks (interval 2s, DeregisterCriticalServiceAfter 1m, see
# platform/consul.ts); these only bound what any check may ask for.
check_update_interval = "5m"

dns_config {
  service_ttl = {
    "*" = "5s"
  }
  only_passing = true
}

# No TLS or ACLs: a local development cluster. Production needs both.
acl {
  enabled = false
}
