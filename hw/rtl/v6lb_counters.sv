// All counters, 64-bit: global ones by number (host/include/v6lb/packet_class.h), per service,
// per backend (in counter banks), and flow-table occupancy. Updated from one event per clock;
// the host reads any one through a snapshot taken when it writes CNT_SEL. The numbering of
// every group is v6lb_regs.yaml's (`counters`), through the generated v6lb_regs.svh.
`include "v6lb_regs.svh"

module v6lb_counters #(
    parameter integer N_SERVICES = 64,
    parameter integer N_BACKENDS = 1024
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        clear,

    input  wire        c_valid,
    input  wire [4:0]  c_global,
    input  wire [15:0] c_len,
    input  wire        c_fwd,
    input  wire        c_punt,
    input  wire        c_to_service,
    input  wire        c_reply,
    input  wire        c_learned,
    input  wire        c_table_full,
    input  wire [7:0]  c_service,
    input  wire [15:0] c_backend,
    input  wire signed [3:0] c_occ_fwd_delta,
    input  wire signed [3:0] c_occ_rep_delta,
    input  wire        c_is_packet,

    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0] sel,          // CNT_SEL; its reserved bits are unused
    // verilator lint_on UNUSEDSIGNAL
    input  wire        sel_write,    // sel was just written: take a snapshot
    output logic        value_valid, // two clocks after sel_write, for one clock
    output logic [63:0] value        // the selected counter then
);
  localparam integer N_GLOBAL = `V6LB_CNT_GLOBAL_COUNT;
  localparam integer GB = $clog2(N_GLOBAL);  // c_global's width
  localparam [15:0] RX_PACKETS = `V6LB_CNT_GLOBAL_RX_PACKETS,
                    RX_BYTES = `V6LB_CNT_GLOBAL_RX_BYTES,
                    FWD_PACKETS = `V6LB_CNT_GLOBAL_FWD_PACKETS,
                    FWD_BYTES = `V6LB_CNT_GLOBAL_FWD_BYTES,
                    PUNT_PACKETS = `V6LB_CNT_GLOBAL_PUNT_PACKETS,
                    PUNT_BYTES = `V6LB_CNT_GLOBAL_PUNT_BYTES,
                    FLOWS_LEARNED = `V6LB_CNT_GLOBAL_FLOWS_LEARNED,
                    FLOW_TABLE_FULL = `V6LB_CNT_GLOBAL_FLOW_TABLE_FULL,
                    REPLY_PACKETS = `V6LB_CNT_GLOBAL_REPLY_PACKETS;
  // Per service and per backend, one bank word of FIELDS counters, CNT_SEL.FIELD f at
  // [64f+63:64f]; both groups have the same number of counters.
  localparam integer FIELDS = `V6LB_CNT_SERVICE_COUNT;
  localparam [2:0] NO_FIELD = 3'd7;  // FIELD beyond the group
  localparam integer SB = N_SERVICES > 1 ? $clog2(N_SERVICES) : 1;
  localparam integer BB = N_BACKENDS > 1 ? $clog2(N_BACKENDS) : 1;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (N_SERVICES < 1 || N_SERVICES > 256)
      $error("v6lb_counters: N_SERVICES = %0d, must be 1..256", N_SERVICES);
    if (N_BACKENDS < 1 || N_BACKENDS > 65535)
      $error("v6lb_counters: N_BACKENDS = %0d, must be 1..65535", N_BACKENDS);
    if (GB != 5)
      $error("v6lb_counters: the %0d global counters of v6lb_regs.yaml do not fit c_global (5 bits, 31 = none)", N_GLOBAL);
    if (`V6LB_CNT_BACKEND_COUNT != FIELDS || FIELDS >= 7)
      $error("v6lb_counters: the service and backend groups must both have FIELDS (%0d, < 7) counters", FIELDS);
  end

  // The event, registered (its fields come from several stages of v6lb_lookup).
  logic        e_pkt, e_fwd, e_punt, e_to_svc, e_reply, e_learned, e_full;
  logic        e_svc_ok, e_be_ok;
  logic [4:0]  e_global;
  logic [15:0] e_len;
  logic [SB-1:0] e_svc;
  logic [BB-1:0] e_be;
  always_ff @(posedge clk) begin
    e_pkt <= !rst && c_valid && c_is_packet;
    e_fwd <= c_fwd;
    e_punt <= c_punt;
    e_to_svc <= c_to_service;
    e_reply <= c_reply;
    e_learned <= c_learned;
    e_full <= c_table_full;
    e_global <= c_global;
    e_len <= c_len;
    e_svc_ok <= {24'd0, c_service} < N_SERVICES;
    e_be_ok <= {16'd0, c_backend} < N_BACKENDS;
    e_svc <= c_service[SB-1:0];
    e_be <= c_backend[BB-1:0];
  end

  // Global counters: flip-flops, several change per packet. A clear zeroes them at once.
  logic [63:0] g[N_GLOBAL];
  wire [63:0] len = {48'd0, e_len};
  always_ff @(posedge clk) begin
    integer i;
    if (rst || clear) begin
      for (i = 0; i < N_GLOBAL; i = i + 1) g[i] <= 64'd0;
    end else if (e_pkt) begin
      g[RX_PACKETS[GB-1:0]] <= g[RX_PACKETS[GB-1:0]] + 64'd1;
      g[RX_BYTES[GB-1:0]] <= g[RX_BYTES[GB-1:0]] + len;
      if (e_fwd) begin
        g[FWD_PACKETS[GB-1:0]] <= g[FWD_PACKETS[GB-1:0]] + 64'd1;
        g[FWD_BYTES[GB-1:0]] <= g[FWD_BYTES[GB-1:0]] + len;
      end
      if (e_punt) begin
        g[PUNT_PACKETS[GB-1:0]] <= g[PUNT_PACKETS[GB-1:0]] + 64'd1;
        g[PUNT_BYTES[GB-1:0]] <= g[PUNT_BYTES[GB-1:0]] + len;
      end
      if ({27'd0, e_global} < N_GLOBAL) g[e_global] <= g[e_global] + 64'd1;
      if (e_learned) g[FLOWS_LEARNED[GB-1:0]] <= g[FLOWS_LEARNED[GB-1:0]] + 64'd1;
      if (e_full) g[FLOW_TABLE_FULL[GB-1:0]] <= g[FLOW_TABLE_FULL[GB-1:0]] + 64'd1;
      if (e_reply) g[REPLY_PACKETS[GB-1:0]] <= g[REPLY_PACKETS[GB-1:0]] + 64'd1;
    end
  end

  // Per service and per backend: one word of FIELDS counters per slot, in a counter bank, each
  // at its CNT_SEL.FIELD number.
  wire [15:0] one = 16'd1;
  wire [15:0] svc_pkts = e_to_svc ? one : 16'd0, svc_bytes = e_to_svc ? e_len : 16'd0;
  wire [15:0] rep_pkts = e_reply ? one : 16'd0, rep_bytes = e_reply ? e_len : 16'd0;
  wire [15:0] learned = e_to_svc && e_learned ? one : 16'd0;
  wire touches = e_pkt && (e_to_svc || e_reply);
  logic [16*FIELDS-1:0] svc_inc, be_inc;
  always_comb begin
    svc_inc = '0;
    svc_inc[16*`V6LB_CNT_SERVICE_PACKETS+:16] = svc_pkts;
    svc_inc[16*`V6LB_CNT_SERVICE_BYTES+:16] = svc_bytes;
    svc_inc[16*`V6LB_CNT_SERVICE_NEW_FLOWS+:16] = learned;
    svc_inc[16*`V6LB_CNT_SERVICE_REPLY_PACKETS+:16] = rep_pkts;
    svc_inc[16*`V6LB_CNT_SERVICE_REPLY_BYTES+:16] = rep_bytes;
    be_inc = '0;
    be_inc[16*`V6LB_CNT_BACKEND_PACKETS+:16] = svc_pkts;
    be_inc[16*`V6LB_CNT_BACKEND_BYTES+:16] = svc_bytes;
    be_inc[16*`V6LB_CNT_BACKEND_REPLY_PACKETS+:16] = rep_pkts;
    be_inc[16*`V6LB_CNT_BACKEND_REPLY_BYTES+:16] = rep_bytes;
    be_inc[16*`V6LB_CNT_BACKEND_NEW_FLOWS+:16] = learned;
  end

  wire [15:0] idx = sel[`V6LB_CNT_SEL_INDEX_RANGE];
  wire [7:0] field = sel[`V6LB_CNT_SEL_FIELD_RANGE];
  wire [1:0] kind = sel[`V6LB_CNT_SEL_KIND_RANGE];
  wire [64*FIELDS-1:0] svc_word, be_word;

  v6lb_counter_bank #(.ENTRIES(N_SERVICES), .FIELDS(FIELDS), .IDX_WIDTH(SB)) svc_bank (
      .clk(clk), .rst(rst), .clear(clear),
      .ev_valid(touches && e_svc_ok), .ev_idx(e_svc), .ev_inc(svc_inc),
      .rd_en(sel_write), .rd_idx(idx[SB-1:0]), .rd_data(svc_word));

  v6lb_counter_bank #(.ENTRIES(N_BACKENDS), .FIELDS(FIELDS), .IDX_WIDTH(BB)) be_bank (
      .clk(clk), .rst(rst), .clear(clear),
      .ev_valid(touches && e_be_ok), .ev_idx(e_be), .ev_inc(be_inc),
      .rd_en(sel_write), .rd_idx(idx[BB-1:0]), .rd_data(be_word));

  // Flow-table occupancy is state, not traffic: a counter clear leaves it. occ: both, at their
  // CNT_SEL.INDEX numbers.
  logic [63:0] occ_fwd, occ_rep;
  logic [64*`V6LB_CNT_FLOW_OCC_COUNT-1:0] occ;
  always_comb begin
    occ[64*`V6LB_CNT_FLOW_OCC_FORWARD+:64] = occ_fwd;
    occ[64*`V6LB_CNT_FLOW_OCC_REPLY+:64] = occ_rep;
  end
  always_ff @(posedge clk) begin
    if (rst) begin
      occ_fwd <= 64'd0;
      occ_rep <= 64'd0;
    end else if (c_valid) begin
      occ_fwd <= occ_fwd + {{60{c_occ_fwd_delta[3]}}, c_occ_fwd_delta};
      occ_rep <= occ_rep + {{60{c_occ_rep_delta[3]}}, c_occ_rep_delta};
    end
  end

  // Host read: the banks and the flip-flop counters are sampled in the clock of sel_write, the
  // selection made in the next.
  logic        h_valid;
  logic [1:0]  h_kind;
  logic [2:0]  h_field;
  logic        h_in_range;
  logic [63:0] h_flop;  // the global or occupancy counter named
  always_ff @(posedge clk) begin
    h_valid <= !rst && sel_write;
    h_kind <= kind;
    h_field <= {24'd0, field} < FIELDS ? field[2:0] : NO_FIELD;
    case (kind)
      `V6LB_CNT_SEL_KIND_GLOBAL: h_in_range <= {16'd0, idx} < N_GLOBAL;
      `V6LB_CNT_SEL_KIND_SERVICE: h_in_range <= {16'd0, idx} < N_SERVICES;
      `V6LB_CNT_SEL_KIND_BACKEND: h_in_range <= {16'd0, idx} < N_BACKENDS;
      default: h_in_range <= {16'd0, idx} < `V6LB_CNT_FLOW_OCC_COUNT;
    endcase
    h_flop <= kind == `V6LB_CNT_SEL_KIND_GLOBAL ? g[idx[GB-1:0]] : occ[64*idx[0]+:64];
    value_valid <= h_valid;
    value <= 64'd0;
    if (h_in_range)
      case (h_kind)
        `V6LB_CNT_SEL_KIND_SERVICE: if (h_field != NO_FIELD) value <= svc_word[64*h_field+:64];
        `V6LB_CNT_SEL_KIND_BACKEND: if (h_field != NO_FIELD) value <= be_word[64*h_field+:64];
        default: value <= h_flop;
      endcase
  end
endmodule
