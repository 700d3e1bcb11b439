// v6lb-replay's body (v6lb/replay.h).
#include "v6lb/io/replay.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/control/stats_json.h"
#include "v6lb/dataplane/pipeline.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/sim_device.h"
#include "v6lb/io/pcap_io.h"

namespace v6lb {
namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "v6lb-replay: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int run_replay(const ReplayOptions& a) {
  auto loaded = load_config_file(a.config);
  if (auto* e = std::get_if<ConfigError>(&loaded)) return fail(e->message);
  const Config& cfg = std::get<Config>(loaded);

  std::string err;
  auto reader = PcapReader::open(a.in, err);
  if (!reader) return fail(err);
  auto out = PcapWriter::open(a.out, err);
  if (!out) return fail(err);
  std::unique_ptr<PcapWriter> punt;
  if (!a.punt.empty() && !(punt = PcapWriter::open(a.punt, err))) return fail(err);

  // Time never runs backwards for the data plane: a capture's occasional earlier timestamp is
  // taken as the latest so far (both engines alike).
  uint64_t last_ms = 0;
  auto tick_of = [&](const CaptureRecord& r) {
    last_ms = std::max(last_ms, r.sec * 1000 + r.usec / 1000);
    return uint32_t(last_ms);
  };
  auto frame_len = [](const CaptureRecord& r) {
    return r.data.size() <= 0xFFFF ? uint16_t(r.data.size()) : uint16_t(0);  // oversize: malformed
  };

  DataPlaneStats st;
  uint64_t n = 0;
  if (a.engine == "model") {
    Geometry geo;
    geo.maglev_size = cfg.tables.maglev_size;
    geo.flow_sets = cfg.tables.flow_table_size / geo.flow_ways;
    if (auto e = check_fits(cfg, geo)) return fail(a.config + ": " + *e);
    Pipeline dp(geo);
    const Plan plan = make_plan(cfg, geo);
    write_plan(plan, dp);
    // One packet at a time in capture order, each at its own tick; bursts would change nothing
    // but speed here.
    CaptureRecord rec;
    while (reader->next(rec, err)) {
      ++n;
      Packet p;
      p.data = rec.data.data();
      p.len = frame_len(rec);
      dp.process({&p, 1}, tick_of(rec));
      if (p.verdict == Verdict::kForward)
        out->write(rec.sec, rec.usec, {p.data, p.len});
      else if (p.verdict == Verdict::kPunt && punt)
        punt->write(rec.sec, rec.usec, {p.data, p.len});
    }
    if (!err.empty()) return fail(err);
    st = read_stats(dp, plan);
  } else {
    // The Verilated card, programmed through its registers exactly as the daemon would.
    SimOptions so;
    so.data_width = a.data_width;
    so.fst_path = a.trace;
    SimDevice dev(SimCard::create(so));
    CardTables tables(dev);
    const Geometry geo = tables.geometry();
    if (geo.maglev_size != cfg.tables.maglev_size ||
        geo.flow_sets * geo.flow_ways != cfg.tables.flow_table_size)
      std::fprintf(stderr,
                   "v6lb-replay: note: the simulated card has Maglev size %u and %u flow entries "
                   "per direction; the config's tables section is ignored\n",
                   geo.maglev_size, geo.flow_sets * geo.flow_ways);
    if (auto e = check_fits(cfg, geo)) return fail(a.config + ": " + *e);
    const Plan plan = make_plan(cfg, geo);
    write_plan(plan, tables);
    tables.set_control(/*aging=*/false, /*external_tick=*/true);
    SimCard& card = dev.card();
    std::vector<std::pair<uint64_t, uint32_t>> stamps;
    auto flush = [&]() -> bool {
      if (!card.drain()) return false;
      for (const SimFrame& f : card.take_forwarded())
        out->write(stamps[f.seq].first, stamps[f.seq].second, f.data);
      for (const SimFrame& f : card.take_punted())
        if (punt) punt->write(stamps[f.seq].first, stamps[f.seq].second, f.data);
      return true;
    };
    CaptureRecord rec;
    while (reader->next(rec, err)) {
      ++n;
      stamps.emplace_back(rec.sec, rec.usec);
      card.send({rec.data.data(), frame_len(rec)}, tick_of(rec));
      if (n % 256 == 0 && !flush()) return fail("simulated card did not drain");
    }
    if (!err.empty()) return fail(err);
    if (!flush()) return fail("simulated card did not drain");
    st = read_stats(tables, plan);
  }
  if (!out->flush(err) || (punt && !punt->flush(err))) return fail(err);

  nlohmann::json stats = stats_to_json(cfg, st);
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

}  // namespace v6lb
