// A restarted daemon's first step: find which slots of a card's tables the configured services
// and backends already occupy, so the flow entries the card holds keep naming the same backends.
#pragma once

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/driver/card_tables.h"

namespace v6lb {

// Reads the service and backend tables back and finds the slots `cfg`'s services and backends
// already occupy (a service by VIP, protocol and port; a backend by address and port within its
// service, valid or not: a backend that was down keeps its slot). A restarted daemon plans with
// these (assign_slots' `previous`).
SlotMap recover_slots(CardTables& card, const Config& cfg);

}  // namespace v6lb
