// The daemon's Prometheus metrics: data-plane counters, per service and backend, flow-table
// occupancy, the card's link, and whatever counters the device keeps of its own
// (Device::extra_counters). Rendered on each scrape by MetricsServer.
#pragma once

#include <string>

namespace v6lb {

class Daemon;

class MetricsExporter {
 public:
  explicit MetricsExporter(Daemon& d) : d_(d) {}
  std::string render();

 private:
  Daemon& d_;
};

}  // namespace v6lb
