// v6lbctl: the operator's view of a running v6lbd, over its control socket (one JSON request
// line, one JSON reply line; see v6lb/control_server.h and v6lb/control_client.h). Exit status:
// 0 ok, 1 the daemon refused the request, 2 a usage error or no usable answer from the daemon, so
// scripts can tell "you asked for something wrong" from "the daemon is not there".
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/daemon/control_client.h"

namespace {

// An IPv6 address, sent in canonical form so the daemon can compare strings, and so a typo
// fails here with a clear message rather than as "no such backend".
CLI::Validator ipv6_address() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const auto a = v6lb::canonical_ipv6(s);
        if (!a) return "'" + s + "' is not an IPv6 address";
        s = *a;
        return {};
      },
      "");
}

struct Backend {
  std::string service, address;
  uint64_t port = 0;
};

}  // namespace

int main(int argc, char** argv) {
  namespace cli = v6lb::cli;
  v6lb::ControlClientOptions o;
  uint64_t limit = v6lb::kDefaultFlowLimit, weight = 0;
  std::string service;
  Backend backend;

  CLI::App app{"Shows and changes a running v6lbd through its control socket.", "v6lbctl"};
  cli::setup(app);
  app.footer(
      "Options may also follow the command. "
      "Exit status: 0 ok, 1 the daemon refused the request, 2 usage error or daemon "
      "unreachable.");
  app.require_subcommand(1);
  // --socket, --json and --timeout are taken before the command and after it.
  auto common = [&](CLI::App* a) {
    a->add_option("--socket", o.socket, "the daemon's control socket")
        ->type_name("PATH")
        ->default_str(v6lb::kDefaultControlSocket);
    a->add_flag("--json", o.json, "print the daemon's reply as JSON");
    a->add_option("--timeout", o.timeout_s, "how long to wait for the reply, in seconds")
        ->type_name("SECONDS")
        ->transform(cli::range(1, 86400))
        ->default_str("30");
  };
  common(&app);

  auto command = [&](const char* name, const char* what) {
    CLI::App* c = app.add_subcommand(name, what);
    c->group("Commands");
    common(c);
    return c;
  };
  auto backend_args = [&](CLI::App* c) {
    c->add_option("SERVICE", backend.service, "the service's name")->required();
    c->add_option("ADDRESS", backend.address, "the backend's IPv6 address")
        ->required()
        ->transform(ipv6_address());
    c->add_option("PORT", backend.port, "the backend's port")
        ->required()
        ->transform(cli::range(1, 65535));
  };

  command("status", "daemon, device, flow table and link summary");
  command("services", "services with backend health and counters");
  CLI::App* backends_cmd = command("backends", "backends of every service, or of one");
  backends_cmd->add_option("SERVICE", service, "only this service's backends")
      ->default_str("every service");
  CLI::App* flows_cmd = command("flows", "live flows, at most --limit of them");
  flows_cmd->add_option("--limit", limit, "show at most N flows")
      ->type_name("N")
      ->transform(cli::range(1, UINT32_MAX))
      ->default_str(std::to_string(v6lb::kDefaultFlowLimit));
  flows_cmd->add_option("--service", service, "only this service's flows")
      ->type_name("NAME")
      ->default_str("every service");
  command("stats", "data plane counters");
  backend_args(command("drain", "send no new flows to a backend (weight 0; its flows stay)"));
  backend_args(command("undrain", "undo drain"));
  CLI::App* weight_cmd = command("weight", "set a backend's weight");
  backend_args(weight_cmd);
  weight_cmd->add_option("WEIGHT", weight, "the new weight")
      ->required()
      ->transform(cli::range(0, 65535));
  command("reload", "reload the config file, like SIGHUP");

  if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;

  const CLI::App* c = app.get_subcommands().at(0);
  const std::string cmd = c->get_name();
  o.request = {{"cmd", cmd}};
  if (cmd == "backends") {
    if (c->count("SERVICE")) o.request["service"] = service;
  } else if (cmd == "flows") {
    o.request["limit"] = limit;
    if (c->count("--service")) o.request["service"] = service;
  } else if (cmd == "drain" || cmd == "undrain" || cmd == "weight") {
    o.request["service"] = backend.service;
    o.request["address"] = backend.address;
    o.request["port"] = backend.port;
    if (cmd == "weight") o.request["weight"] = weight;
  }
  return v6lb::run_control_client(o);
}
