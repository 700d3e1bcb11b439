// Opening the data plane the daemon (or the card process, v6lb-card) runs on, from a --device
// spec. One place knows every back end, so v6lbd and v6lb-card accept the same specs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "v6lb/dataplane/tables.h"
#include "v6lb/driver/device.h"
#include "v6lb/io/packet_pump.h"

namespace v6lb {

class ModelDevice;

struct DeviceOptions {
  // model | sim | sim512 | xrt[:BDF] | dpdk | card:PATH
  std::string spec = "model";
  std::string xclbin;                 // xrt: the .xclbin to load
  std::string tap;                    // model/sim: the card's port is this TAP interface
  std::string exception_tap;          // model/sim: punted frames go to this TAP (the host's side)
  std::vector<std::string> eal_args;  // dpdk: the EAL arguments (after "--" on the command line)
  Geometry model_geometry;            // model: table sizes (the config's `tables:`)
};

struct OpenedDevice {
  std::unique_ptr<Device> device;
  // Frames between a TAP and an in-process model or sim (absent when nothing moves packets in
  // this process: xrt, card:PATH, or no --tap). Declared after `device`, destroyed before it.
  std::unique_ptr<PacketPump> pump;
  ModelDevice* model = nullptr;  // when the device is the model (the daemon ages its tables)
};

// On failure returns false with `err` saying why; nothing is left open.
bool open_device(const DeviceOptions& opts, OpenedDevice& out, std::string& err);

// The specs this build accepts, for usage and error messages.
std::string device_specs();

}  // namespace v6lb
