// A real Alveo card as a Device, through the XRT native C++ API (driver/src/xrt_device.cc).
// Built only where CMake finds XRT; everything linking v6lb_driver then sees V6LB_HAVE_XRT=1.
// No XRT header is included here, so users of this header need no XRT include path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "v6lb/driver/device.h"

namespace v6lb {

class XrtDevice final : public Device {
 public:
  // The kernel instance the xclbin links (kernel.xml: v6lb_krnl, one compute unit), as XRT
  // names an IP: "<kernel>:{<instance>}".
  static constexpr const char* kIpName = "v6lb_krnl:{v6lb_krnl_1}";
  // The CMAC kernel the link configurations instantiate (hw/vitis/link/*.cfg: nk=...:cmac_0).
  static constexpr const char* kMacIpName = "v6lb_cmac_krnl:{cmac_0}";

  // Opens the card at `bdf` (e.g. "0000:3b:00.0"), loads `xclbin_path` onto it and opens the
  // kernel's register space. An empty `xclbin_path` uses the xclbin already on the card (see
  // open_programmed). Never throws: on failure returns nullptr and `err` names the BDF, the
  // xclbin and XRT's message.
  static std::unique_ptr<XrtDevice> open(const std::string& bdf, const std::string& xclbin_path,
                                         std::string& err);
  // A card already programmed with our xclbin (`xbutil program`): takes the xclbin UUID the
  // card reports. XRT >= 2.14 only builds a hardware context for xclbins this process
  // registered, so there this fails unless the xclbin was loaded by XRT in this process; pass
  // the file to open() instead (the driver skips the download when the card holds that UUID).
  static std::unique_ptr<XrtDevice> open_programmed(const std::string& bdf, std::string& err) {
    return open(bdf, std::string(), err);
  }

  ~XrtDevice() override;
  XrtDevice(const XrtDevice&) = delete;
  XrtDevice& operator=(const XrtDevice&) = delete;

  // XRT's errors (offset outside the IP's range, device gone) are rethrown as
  // std::runtime_error naming the card and the register.
  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  std::string name() const override;  // "xrt:<bdf>"
  // cmac_0's registers, opened with the kernel; nullptr (and XRT's message) when the xclbin has
  // no such IP or it failed to open: the pipeline still works, only the link state is unknown.
  Device* mac(std::string& why) override;
  const std::string& xclbin_uuid() const;

 private:
  struct Impl;
  explicit XrtDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6lb
