// The TBL_DATA word layouts of docs/REGISTERS.md, in one place: CardTables encodes what it writes
// and decodes what it reads with these, and ModelDevice does the mirror image, so the two can
// never disagree on a layout (the card's own decoding is checked against them by the tests).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "v6lb/dataplane/flow_table.h"
#include "v6lb/dataplane/tables.h"
#include "v6lb_regs.h"

namespace v6lb {

using TableWords = std::array<uint32_t, 16>;
inline constexpr size_t kServiceWords = regs::TBL_SERVICE_WORDS,
                        kBackendWords = regs::TBL_BACKEND_WORDS, kFlowWords = regs::TBL_FLOW_WORDS;
static_assert(regs::TBL_DATA_COUNT == std::tuple_size_v<TableWords>);

TableWords encode_service(const ServiceEntry& s);
ServiceEntry decode_service(const TableWords& w);
TableWords encode_backend(const BackendEntry& b);
BackendEntry decode_backend(const TableWords& w);
TableWords encode_flow(const FlowEntry& e);
FlowEntry decode_flow(const TableWords& w);
// Maglev entries: up to kMaglevPerCommand per table command (TBL_MAGLEV_ENTRY, COUNT and STRIDE).
inline constexpr uint32_t kMaglevPerCommand = regs::TBL_MAGLEV_ENTRY_COUNT;
inline constexpr uint32_t kMaglevPerWord = 32 / regs::TBL_MAGLEV_ENTRY_STRIDE;
TableWords encode_maglev(std::span<const uint16_t> entries);  // entries.size() <= kMaglevPerCommand
void decode_maglev(const TableWords& w, std::span<uint16_t> entries);

// Word i = bytes 4i..4i+3, big-endian (addresses, keys, card address and MACs).
void put_be_words(const uint8_t* bytes, size_t n, uint32_t* words);
void get_be_words(const uint32_t* words, size_t n, uint8_t* bytes);

}  // namespace v6lb
