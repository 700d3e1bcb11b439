// XrtDevice: the card's registers through the XRT native C++ API (libxrt_coreutil).
//
// The kernel is free-running (ap_ctrl_none), and XRT refuses xrt::kernel for such kernels, so
// its AXI4-Lite registers are reached through xrt::ip::read_register/write_register, which
// XRT offers for exactly this ("custom IP" in the xclbin's IP_LAYOUT).
//
// Which API, by XRT release (checked against the Xilinx/XRT sources, tags 2.12 to 2.26):
//   * XRT >= 2.14 (2022.2): xrt::xclbin(path) -> device.register_xclbin(xclbin) ->
//     xrt::hw_context(device, uuid) -> xrt::ip(ctx, name). Newer releases mark
//     device.load_xclbin and ip(device, uuid, name) [[deprecated]] in favour of hw_context.
//   * XRT < 2.14 (no register_xclbin, no hw_context): device.load_xclbin(xclbin) ->
//     xrt::ip(device, uuid, name).
//   The choice is made at compile time on XRT_VERSION_CODE / XRT_VERSION(major, minor). The
//   ABI check in xrt/detail/abi.h pulls them in (from xrt/detail/version-slim.h in 2.20+,
//   from the top-level version.h before); with DISABLE_ABI_CHECK nothing does, so include the
//   header here ourselves.
//   * Header layout: xrt_ip.h / xrt_hw_context.h moved from experimental/ to xrt/experimental/
//     and xrt/ (the old paths remain as forwarding headers that print a #pragma message);
//     __has_include picks whichever this install has.
//   * Opening a card already programmed (xbutil program) without the file: the UUID comes from
//     device.get_xclbin_uuid() (present in every release). XRT >= 2.14 only makes a
//     hw_context for an xclbin this process registered, so that can fail; the message then
//     says to pass the xclbin, which costs nothing: xocl skips the download of a UUID the
//     card already holds.
//
// XRT throws std::exception-derived errors; open() turns them into err text, read32/write32
// into std::runtime_error naming the card and the register.
#include "v6lb/driver/xrt_device.h"

#include <xrt/xrt_device.h>
#include <xrt/xrt_uuid.h>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <utility>
#if __has_include(<xrt/experimental/xrt_ip.h>)
#include <xrt/experimental/xrt_ip.h>
#else
#include <experimental/xrt_ip.h>
#endif
#if __has_include(<xrt/experimental/xrt_xclbin.h>)
#include <xrt/experimental/xrt_xclbin.h>
#else
#include <experimental/xrt_xclbin.h>
#endif

#ifndef XRT_VERSION_CODE
#if __has_include(<xrt/detail/version-slim.h>)
#include <xrt/detail/version-slim.h>
#elif __has_include(<version.h>)
#include <version.h>
#endif
#endif
#if !defined(XRT_VERSION_CODE) || !defined(XRT_VERSION)
#error "XRT version macros not found (xrt/detail/version-slim.h or version.h in XRT's include dir)"
#endif

#if XRT_VERSION_CODE >= XRT_VERSION(2, 14)
#define V6LB_XRT_HW_CONTEXT 1
#if __has_include(<xrt/xrt_hw_context.h>)
#include <xrt/xrt_hw_context.h>
#else
#include <experimental/xrt_hw_context.h>
#endif
#else
#define V6LB_XRT_HW_CONTEXT 0
#endif

namespace v6lb {

struct XrtDevice::Impl {
  std::string bdf;
  std::string uuid;
  // Declaration order is teardown order reversed: the IP goes first, the device last.
  xrt::device device;
  xrt::xclbin xclbin;  // empty when the card was already programmed
#if V6LB_XRT_HW_CONTEXT
  xrt::hw_context ctx;
#endif
  xrt::ip ip;
  xrt::ip mac_ip;
  std::unique_ptr<Device> mac;  // over mac_ip; null when it did not open (mac_err says why)
  std::string mac_err;
};

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// One register access of an IP, XRT's errors rethrown naming `who` and the register.
uint32_t read_ip(xrt::ip& ip, const std::string& who, uint32_t offset) {
  try {
    return ip.read_register(offset);
  } catch (const std::exception& e) {
    throw std::runtime_error(who + ": read_register(" + hex(offset) + "): " + e.what());
  }
}

void write_ip(xrt::ip& ip, const std::string& who, uint32_t offset, uint32_t value) {
  try {
    ip.write_register(offset, value);
  } catch (const std::exception& e) {
    throw std::runtime_error(who + ": write_register(" + hex(offset) + ", " + hex(value) +
                             "): " + e.what());
  }
}

// cmac_0's AXI4-Lite registers as a Device (v6lb/cmac_link.h reads them).
class XrtMacRegs final : public Device {
 public:
  XrtMacRegs(xrt::ip& ip, std::string name) : ip_(ip), name_(std::move(name)) {}
  uint32_t read32(uint32_t offset) override { return read_ip(ip_, name_, offset); }
  void write32(uint32_t offset, uint32_t value) override {
    ++writes_;
    write_ip(ip_, name_, offset, value);
  }
  std::string name() const override { return name_; }

 private:
  xrt::ip& ip_;
  std::string name_;
};

}  // namespace

XrtDevice::XrtDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XrtDevice::~XrtDevice() = default;

std::unique_ptr<XrtDevice> XrtDevice::open(const std::string& bdf, const std::string& xclbin_path,
                                           std::string& err) {
  const bool programmed = xclbin_path.empty();
  const std::string what =
      "xrt:" + bdf + (programmed ? " (xclbin already on the card)" : " xclbin " + xclbin_path);
  std::string step = "opening the device";
  try {
    auto impl = std::make_unique<Impl>();
    impl->bdf = bdf;
    impl->device = xrt::device(bdf);

    xrt::uuid uuid;
    if (programmed) {
      step = "reading the loaded xclbin's UUID";
      uuid = impl->device.get_xclbin_uuid();
      if (!uuid) {
        err = what + ": no xclbin loaded; program the card (xbutil program) or pass the xclbin";
        return nullptr;
      }
    } else {
      step = "reading the xclbin";
      impl->xclbin = xrt::xclbin(xclbin_path);
#if V6LB_XRT_HW_CONTEXT
      step = "registering the xclbin";
      uuid = impl->device.register_xclbin(impl->xclbin);
#else
      step = "loading the xclbin";
      uuid = impl->device.load_xclbin(impl->xclbin);
#endif
    }
    impl->uuid = uuid.to_string();

#if V6LB_XRT_HW_CONTEXT
    step = "creating a hardware context for xclbin " + impl->uuid;
    if (programmed)
      step += " (XRT >= 2.14 only knows xclbins this process registered: pass the xclbin file)";
    impl->ctx = xrt::hw_context(impl->device, uuid);
    step = std::string("opening IP ") + kIpName + " in xclbin " + impl->uuid;
    impl->ip = xrt::ip(impl->ctx, kIpName);
#else
    step = std::string("opening IP ") + kIpName + " in xclbin " + impl->uuid;
    impl->ip = xrt::ip(impl->device, uuid, kIpName);
#endif
    // The MAC is optional for the pipeline: a failure here is kept for mac(), not returned.
    try {
#if V6LB_XRT_HW_CONTEXT
      impl->mac_ip = xrt::ip(impl->ctx, kMacIpName);
#else
      impl->mac_ip = xrt::ip(impl->device, uuid, kMacIpName);
#endif
      impl->mac = std::make_unique<XrtMacRegs>(impl->mac_ip, "xrt:" + bdf + " cmac_0");
    } catch (const std::exception& e) {
      impl->mac_err = std::string("opening IP ") + kMacIpName + ": " + e.what();
    }
    return std::unique_ptr<XrtDevice>(new XrtDevice(std::move(impl)));
  } catch (const std::exception& e) {
    err = what + ": " + step + ": " + e.what();
  } catch (...) {
    err = what + ": " + step + ": unknown error";
  }
  return nullptr;
}

uint32_t XrtDevice::read32(uint32_t offset) { return read_ip(impl_->ip, name(), offset); }

void XrtDevice::write32(uint32_t offset, uint32_t value) {
  ++writes_;
  write_ip(impl_->ip, name(), offset, value);
}

std::string XrtDevice::name() const { return "xrt:" + impl_->bdf; }

Device* XrtDevice::mac(std::string& why) {
  if (!impl_->mac) why = name() + ": " + impl_->mac_err;
  return impl_->mac.get();
}

const std::string& XrtDevice::xclbin_uuid() const { return impl_->uuid; }

}  // namespace v6lb
