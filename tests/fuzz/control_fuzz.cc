// libFuzzer harness: the control socket's protocol (host/daemon/control_server.h) without a
// socket. The input is what a client sends; it is cut into lines as ControlServer does (at '\n',
// a trailing '\r' dropped, blank lines skipped) and each line goes through
// ControlServer::respond, whose handler is the daemon's ControlApi on a v6lbd started once on
// the model device with tests/fuzz/fuzz.yaml. Every reply must be a JSON object with a boolean
// "ok" (and a string "error" when false) that serializes as the server sends it. After each
// input the weight overrides v6lbctl requests may have set are cleared, so inputs stay
// independent.
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_common.h"
#include "v6lb/daemon/control_api.h"
#include "v6lb/daemon/control_server.h"
#include "v6lb/daemon/daemon.h"

namespace {

using namespace v6lb;
using nlohmann::json;

using v6lb::fuzz::check;

struct Harness {
  Harness() {
    spdlog::set_level(spdlog::level::warn);  // not a line per table update
    std::string tmpl = (std::filesystem::temp_directory_path() / "v6lb-fuzz-ctl-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fuzz::setup_failed("mkdtemp");
    dir = tmpl;
    std::ifstream in(V6LB_FUZZ_CONFIG);
    std::stringstream yaml;
    yaml << in.rdbuf();
    const std::string cfg = (dir / "lb.yaml").string();
    std::ofstream(cfg) << yaml.str() << "daemon:\n  control_socket: \""
                       << (dir / "v6lbd.sock").string() << "\"\n";
    DaemonOptions o;
    o.config_path = cfg;
    o.device = "model";
    o.metrics = "off";
    daemon = std::make_unique<Daemon>(o);
    std::string err;
    if (!daemon->start(err)) fuzz::setup_failed(err);
    server = ControlServer::open(daemon->io(), (dir / "fuzz.sock").string(), err);
    if (!server) fuzz::setup_failed(err);
    api = std::make_unique<ControlApi>(*daemon);
    server->set_handler([this](const json& r) { return api->handle(r); });
  }
  ~Harness() {
    server.reset();
    api.reset();
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void reset_overrides() {
    std::string err;
    for (const ServiceConfig& s : daemon->config().services)
      for (const BackendConfig& b : s.backends)
        if (daemon->backend(s.name, b).weight_override)
          if (!daemon->set_weight(s.name, b.address, b.port, std::nullopt, true, err))
            fuzz::setup_failed(err);
  }

  std::filesystem::path dir;
  std::unique_ptr<Daemon> daemon;
  std::unique_ptr<ControlApi> api;
  std::unique_ptr<ControlServer> server;
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    const size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) continue;
    const json reply = h.server->respond(line);
    check(reply.is_object());
    const auto ok = reply.find("ok");
    check(ok != reply.end() && ok->is_boolean());
    if (!ok->get<bool>()) {
      const auto err = reply.find("error");
      check(err != reply.end() && err->is_string());
    }
    const std::string out = reply.dump(-1, ' ', false, json::error_handler_t::replace);
    check(json::accept(out));
  }
  h.reset_overrides();
  return 0;
}
