#include "v6lb/control/slot_recovery.h"

#include <vector>

namespace v6lb {

SlotMap recover_slots(CardTables& card, const Config& cfg) {
  const Geometry geo = card.geometry();
  SlotMap out;
  std::vector<ServiceEntry> svcs(geo.services);
  for (uint32_t s = 0; s < geo.services; ++s) svcs[s] = card.read_service(s);
  std::vector<BackendEntry> bes(geo.backends);
  bool any_backend_read = false;
  for (const ServiceConfig& sc : cfg.services) {
    for (uint32_t s = 0; s < geo.services; ++s) {
      const ServiceEntry& e = svcs[s];
      if (!e.valid || e.vip != sc.vip || e.proto != uint8_t(sc.protocol) || e.port != sc.port)
        continue;
      out.services[sc.name] = s;
      if (!any_backend_read) {
        for (uint32_t b = 0; b < geo.backends; ++b) bes[b] = card.read_backend(b);
        any_backend_read = true;
      }
      for (const BackendConfig& bc : sc.backends)
        for (uint32_t b = 0; b < geo.backends; ++b)
          if (bes[b].service == s && bes[b].address == bc.address && bes[b].port == bc.port &&
              !bes[b].address.is_zero()) {
            out.backends[{sc.name, bc.address, bc.port}] = b;
            break;
          }
      break;
    }
  }
  return out;
}

}  // namespace v6lb
