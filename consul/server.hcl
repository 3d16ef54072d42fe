# Consul server agent for the compose cluster: one server, UI and HTTP API on 8500, DNS on 8600.
# Loaded by the image's entry point (`agent` → `consul agent -data-dir=/consul/data
# -config-dir=/consul/config`); test/deploy/compose.test.ts runs `consul validate` on it with
# the same Consul version as the image (1.21).
#
# A 3-server cluster (survives the loss of one server; 5 survive two; keep the count odd):
#   - run three agents with this file, each with its own node_name (consul-1, consul-2, consul-3)
#   - bootstrap_expect = 3                   no leader is elected before three servers have joined
#   - retry_join = ["consul-1", "consul-2", "consul-3"]   join by DNS name, retried until it works
#   - autopilot { cleanup_dead_servers = true }           drop a dead server when its replacement joins
#   - performance { raft_multiplier = 1 }                 the production Raft timing (the default, 5,
#                                                         is for small development machines)
#   - services then talk to a local client agent (server = false, same retry_join) on their
#     host, not to a server; CONSUL_HTTP_ADDR points at that agent.
#   - on more than one machine: encrypt (gossip key), TLS for RPC and HTTPS, and ACLs.

server           = true
bootstrap_expect = 1
node_name        = "consul-server"
datacenter       = "dc1"
data_dir         = "/consul/data"
log_level        = "INFO"

# Listen on every interface of the container: the services register through
# CONSUL_HTTP_ADDR=consul:8500, and the ports are published to the host for the UI and dig.
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

# Checks. The services register their own gRPC checks (CONSUL_CHECK_INTERVAL, 2s by default,
# a 1s timeout, and DeregisterCriticalServiceAfter = CONSUL_DEREGISTER_AFTER, 1m; see
# platform/consul.ts). Here: no script checks at all (nothing may make this agent run a
# command), check output kept short, and output-only changes synced to the catalog at most
# every 5 minutes (status changes are synced at once).
enable_script_checks       = false
enable_local_script_checks = false
check_output_max_size      = 4096
check_update_interval      = "5m"

# DNS (service.consul names) answers with passing instances only, cached briefly.
dns_config {
  only_passing = true
  node_ttl     = "5s"
  service_ttl = {
    "*" = "5s"
  }
}

# A local cluster does not phone home.
disable_update_check = true

# No TLS or ACLs: a local development cluster. Production needs both.
acl {
  enabled = false
}
