// The daemon's control API: v6lbctl's requests (JSON objects with "cmd") answered from the
// running Daemon. Every answer has "ok"; a refusal has "error" naming what was wrong. Served by
// ControlServer on the control socket; a device failure thrown while answering is turned into
// an error answer there (docs/ARCHITECTURE.md, "Errors in the control plane").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

namespace v6lb {

class Daemon;

class ControlApi {
 public:
  explicit ControlApi(Daemon& d) : d_(d) {}
  nlohmann::json handle(const nlohmann::json& request);

 private:
  nlohmann::json status();
  nlohmann::json link_status();  // the card's MAC (v6lb/driver/cmac_link.h)
  nlohmann::json services();
  nlohmann::json backends(const nlohmann::json& req);
  nlohmann::json flows(const nlohmann::json& req);
  nlohmann::json set_weight(const nlohmann::json& req, std::optional<uint32_t> weight, bool clear);

  Daemon& d_;
};

}  // namespace v6lb
