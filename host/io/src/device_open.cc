#include "v6lb/io/device_open.h"

#include <exception>

#include "v6lb/driver/model_device.h"
#include "v6lb/driver/remote_device.h"
#include "v6lb/driver/sim_device.h"
#include "v6lb/io/tap_pump.h"
#if V6LB_HAVE_XRT
#include "v6lb/driver/xrt_device.h"
#endif
#if V6LB_HAVE_DPDK
#include "v6lb/dpdk/dpdk_device.h"
#endif

namespace v6lb {

std::string device_specs() {
  std::string s = "model|sim|sim512|card:PATH";
#if V6LB_HAVE_XRT
  s += "|xrt[:BDF]";
#endif
#if V6LB_HAVE_DPDK
  s += "|dpdk";
#endif
  return s;
}

bool open_device(const DeviceOptions& o, OpenedDevice& out, std::string& err) {
  OpenedDevice d;
  const std::string& spec = o.spec;
  const bool local = spec == "model" || spec == "sim" || spec == "sim512";
  if ((!o.tap.empty() || !o.exception_tap.empty()) && !local) {
    err = "--tap/--exception-tap need --device model, sim or sim512 (" + spec +
          " moves its own packets)";
    return false;
  }
  if (!o.exception_tap.empty() && o.tap.empty()) {
    err = "--exception-tap needs --tap";
    return false;
  }
  try {
    if (spec == "model") {
      auto m = std::make_unique<ModelDevice>(o.model_geometry);
      d.model = m.get();
      d.device = std::move(m);
    } else if (spec == "sim" || spec == "sim512") {
      SimOptions so;
      so.data_width = spec == "sim" ? 64 : 512;
      d.device = std::make_unique<SimDevice>(SimCard::create(so));
    } else if (spec.rfind("card:", 0) == 0) {
      auto r = RemoteDevice::connect(spec.substr(5), err);
      if (!r) return false;
      d.device = std::move(r);
    } else if (spec == "xrt" || spec.rfind("xrt:", 0) == 0) {
#if V6LB_HAVE_XRT
      const std::string bdf = spec.size() > 4 ? spec.substr(4) : "0";
      auto x = XrtDevice::open(bdf, o.xclbin, err);
      if (!x) return false;
      d.device = std::move(x);
#else
      err = "--device xrt: this build has no XRT (install XRT and rebuild)";
      return false;
#endif
    } else if (spec == "dpdk") {
#if V6LB_HAVE_DPDK
      auto x = DpdkDevice::open(o.eal_args, o.model_geometry, err);
      if (!x) return false;
      d.device = std::move(x);
#else
      err = "--device dpdk: this build has no DPDK (install libdpdk-dev and rebuild)";
      return false;
#endif
    } else {
      err = "unknown device '" + spec + "' (" + device_specs() + ")";
      return false;
    }
    if (!o.tap.empty()) {
      if (d.model)
        d.pump = TapPump::for_model(*d.model, o.tap, o.exception_tap, err);
      else
        d.pump = TapPump::for_sim(static_cast<SimDevice&>(*d.device), o.tap, o.exception_tap, err);
      if (!d.pump) return false;
    }
  } catch (const std::exception& e) {
    err = spec + ": " + e.what();
    return false;
  }
  out = std::move(d);
  return true;
}

}  // namespace v6lb
