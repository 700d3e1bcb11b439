// v6lb-replay: runs a capture through the data plane, programmed from a config exactly as the
// daemon programs it, and writes what it forwards and punts.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "v6lb/config.h"
#include "v6lb/pcap_io.h"
#include "v6lb/pipeline.h"
#include "v6lb/program.h"
#include "v6lb/stats_json.h"

namespace {

constexpr const char* kUsage =
    "usage: v6lb-replay --config FILE --engine model|rtl --in IN.pcap --out OUT.pcap\n"
    "                   [--punt PUNT.pcap] [--stats STATS.json] [--quiet]\n";

struct Args {
  std::string config, engine = "model", in, out, punt, stats;
  bool quiet = false;
};

int fail(const std::string& msg) {
  std::fprintf(stderr, "v6lb-replay: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace v6lb;
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view opt = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    bool ok = true;
    if (opt == "--config") ok = value(a.config);
    else if (opt == "--engine") ok = value(a.engine);
    else if (opt == "--in") ok = value(a.in);
    else if (opt == "--out") ok = value(a.out);
    else if (opt == "--punt") ok = value(a.punt);
    else if (opt == "--stats") ok = value(a.stats);
    else if (opt == "--quiet") a.quiet = true;
    else if (opt == "-h" || opt == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "v6lb-replay: unknown option '%s'\n%s", argv[i], kUsage);
      return 2;
    }
    if (!ok) return fail("option " + std::string(opt) + " needs a value\n" + kUsage);
  }
  if (a.config.empty() || a.in.empty() || a.out.empty())
    return fail(std::string("--config, --in and --out are required\n") + kUsage);
  if (a.engine != "model") {
    if (a.engine == "rtl") return fail("--engine rtl: this build has no Verilated card");
    return fail("unknown engine '" + a.engine + "' (model|rtl)");
  }

  auto loaded = load_config_file(a.config);
  if (auto* e = std::get_if<ConfigError>(&loaded)) return fail(e->message);
  const Config& cfg = std::get<Config>(loaded);

  Geometry geo;
  geo.maglev_size = cfg.tables.maglev_size;
  geo.flow_sets = cfg.tables.flow_table_size / geo.flow_ways;
  if (auto err = check_fits(cfg, geo)) return fail(a.config + ": " + *err);

  std::string err;
  auto reader = PcapReader::open(a.in, err);
  if (!reader) return fail(err);
  auto out = PcapWriter::open(a.out, err);
  if (!out) return fail(err);
  std::unique_ptr<PcapWriter> punt;
  if (!a.punt.empty() && !(punt = PcapWriter::open(a.punt, err))) return fail(err);

  Pipeline dp(geo);
  const Plan plan = make_plan(cfg, geo);
  write_plan(plan, dp);

  // Packets are run one at a time in capture order, each at its own timestamp's tick; bursts
  // would change nothing but speed here.
  CaptureRecord rec;
  uint64_t n = 0;
  while (reader->next(rec, err)) {
    ++n;
    Packet p;
    p.data = rec.data.data();
    p.len = rec.data.size() <= 0xFFFF ? uint16_t(rec.data.size()) : 0;  // oversize: malformed
    dp.process({&p, 1}, ticks_from_timestamp(rec.sec, rec.usec));
    if (p.verdict == Verdict::kForward)
      out->write(rec.sec, rec.usec, {p.data, p.len});
    else if (p.verdict == Verdict::kPunt && punt)
      punt->write(rec.sec, rec.usec, {p.data, p.len});
  }
  if (!err.empty()) return fail(err);
  if (!out->flush(err) || (punt && !punt->flush(err))) return fail(err);

  nlohmann::json stats = stats_to_json(cfg, plan, dp);
  stats["engine"] = a.engine;
  stats["input"] = a.in;
  stats["frames"] = n;
  if (!a.stats.empty()) {
    std::ofstream f(a.stats);
    f << stats.dump(2) << "\n";
    if (!f) return fail(a.stats + ": cannot write");
  }
  if (!a.quiet) std::fputs(stats_report(stats).c_str(), stdout);
  return 0;
}
