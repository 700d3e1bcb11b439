// The data plane's own options (after the second "--"): ports, burst, queue and pool sizes. On
// CLI11 like the tools' own options (v6lb/cli.h): the same help layout and error form.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "v6lb/base/cli.h"
#include "v6lb/dpdk/dpdk_device.h"

namespace v6lb {
namespace {

// An App for the options, bound to `o` (its current values are the defaults shown).
std::unique_ptr<CLI::App> options_app(DpdkOptions& o, std::string& handoff_full) {
  namespace cli = v6lb::cli;
  auto app = std::make_unique<CLI::App>("", "data-plane options");
  cli::setup(*app);
  app->set_help_flag();  // the tool's --help shows these
  app->add_option("--data-port", o.data_port, "port clients and backends reach")
      ->type_name("NAME|ID")
      ->default_str("the first port that is not the exception port");
  app->add_option("--exception-port", o.exception_port,
                  "punted frames go here, its RX goes out of the data port")
      ->type_name("NAME|ID")
      ->default_str("the only net_tap port, if exactly one");
  app->add_flag("--no-exception-port", o.no_exception_port,
                "drop punted frames even if a net_tap port exists");
  app->add_option("--burst", o.burst, "RX burst")
      ->type_name("N")
      ->transform(cli::range(1, 64))
      ->default_str(std::to_string(o.burst));
  app->add_option("--rx-desc", o.rx_desc, "descriptors per RX queue")
      ->type_name("N")
      ->transform(cli::range(16, 32768))
      ->default_str(std::to_string(o.rx_desc));
  app->add_option("--tx-desc", o.tx_desc, "descriptors per TX queue")
      ->type_name("N")
      ->transform(cli::range(16, 32768))
      ->default_str(std::to_string(o.tx_desc));
  app->add_option("--mbufs", o.mbufs, "mbuf pool size")
      ->type_name("N")
      ->transform(cli::range(1024, 1u << 26))
      ->default_str("sized from queues and workers");
  app->add_option("--handoff-ring", o.handoff_ring, "worker-to-worker ring entries")
      ->type_name("N")
      ->transform(cli::range(64, 1u << 20))
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            const unsigned long v = std::stoul(s);  // canonical decimal: checked by range()
            return v & (v - 1) ? "value " + s + " is not a power of two" : std::string();
          },
          "a power of two"))
      ->default_str(std::to_string(o.handoff_ring));
  app->add_option("--handoff-full", handoff_full,
                  "an owner's ring is full: stop receiving until it takes the frames "
                  "(lossless), or drop them (counted)")
      ->type_name("MODE")
      ->check(cli::one_of({"wait", "drop"}))
      ->default_str(handoff_full);
  app->add_option("--idle-sleep-us", o.idle_sleep_us,
                  "sleep after ~1000 empty polls, doubling up to 8N while quiet; 0 = busy poll")
      ->type_name("N")
      ->transform(cli::range(0, 100000))
      ->default_str(std::to_string(o.idle_sleep_us));
  return app;
}

}  // namespace

std::string dpdk_options_usage() {
  DpdkOptions o;
  std::string handoff_full = o.handoff_drop ? "drop" : "wait";
  const auto app = options_app(o, handoff_full);
  std::string groups = cli::Formatter().make_groups(app.get(), CLI::AppFormatMode::Normal);
  const std::string header = "\nOptions:\n";
  if (groups.starts_with(header)) groups.erase(0, header.size());
  return "data-plane options (after a second \"--\"):\n" + groups;
}

bool parse_dpdk_options(const std::vector<std::string>& args, DpdkOptions& o, std::string& err) {
  DpdkOptions parsed = o;
  std::string handoff_full = o.handoff_drop ? "drop" : "wait";
  const auto app = options_app(parsed, handoff_full);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them so
  try {
    app->parse(reversed);
  } catch (const CLI::ParseError& e) {
    err = std::string("data-plane options: ") + e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) err += "\n" + dpdk_options_usage();
    return false;
  }
  parsed.handoff_drop = handoff_full == "drop";
  o = parsed;
  return true;
}

}  // namespace v6lb
