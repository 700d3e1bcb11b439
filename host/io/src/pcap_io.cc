#include "v6lb/io/pcap_io.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>

namespace v6lb {

struct PcapReader::Impl {
  pcap_t* p = nullptr;
  std::string path;
  ~Impl() {
    if (p) pcap_close(p);
  }
};

PcapReader::PcapReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapReader::~PcapReader() = default;

std::unique_ptr<PcapReader> PcapReader::open(const std::string& path, std::string& err) {
  char eb[PCAP_ERRBUF_SIZE] = {};
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, eb);
  if (!impl->p) {
    err = path + ": " + eb;
    return nullptr;
  }
  if (pcap_datalink(impl->p) != DLT_EN10MB) {
    err = path + ": link type " + std::to_string(pcap_datalink(impl->p)) +
          " is not Ethernet (DLT_EN10MB)";
    return nullptr;
  }
  return std::unique_ptr<PcapReader>(new PcapReader(std::move(impl)));
}

bool PcapReader::next(CaptureRecord& rec, std::string& err) {
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(impl_->p, &h, &data);
  if (rc == 1) {
    rec.sec = uint64_t(h->ts.tv_sec);
    rec.usec = uint32_t(h->ts.tv_usec);
    rec.data.assign(data, data + h->caplen);
    rec.wire_len = h->len;
    return true;
  }
  if (rc == PCAP_ERROR) err = impl_->path + ": " + pcap_geterr(impl_->p);
  return false;
}

struct PcapWriter::Impl {
  pcap_t* p = nullptr;
  pcap_dumper_t* d = nullptr;
  ~Impl() {
    if (d) pcap_dump_close(d);
    if (p) pcap_close(p);
  }
};

PcapWriter::PcapWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapWriter::~PcapWriter() = default;

std::unique_ptr<PcapWriter> PcapWriter::open(const std::string& path, std::string& err) {
  auto impl = std::make_unique<Impl>();
  impl->p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_MICRO);
  if (!impl->p) {
    err = "pcap_open_dead failed";
    return nullptr;
  }
  impl->d = pcap_dump_open(impl->p, path.c_str());
  if (!impl->d) {
    err = path + ": " + pcap_geterr(impl->p);
    return nullptr;
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(std::move(impl)));
}

void PcapWriter::write(uint64_t sec, uint32_t usec, std::span<const uint8_t> frame) {
  pcap_pkthdr h{};
  h.ts.tv_sec = time_t(sec);
  h.ts.tv_usec = suseconds_t(usec);
  h.caplen = h.len = uint32_t(frame.size());
  pcap_dump(reinterpret_cast<u_char*>(impl_->d), &h, frame.data());
}

bool PcapWriter::flush(std::string& err) {
  if (pcap_dump_flush(impl_->d) != 0) {
    err = std::string("write failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::optional<std::vector<CaptureRecord>> read_capture(const std::string& path, std::string& err) {
  auto r = PcapReader::open(path, err);
  if (!r) return std::nullopt;
  std::vector<CaptureRecord> out;
  CaptureRecord rec;
  while (r->next(rec, err)) out.push_back(rec);
  if (!err.empty()) return std::nullopt;
  return out;
}

}  // namespace v6lb
