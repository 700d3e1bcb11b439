// All counters, 64-bit: global ones by number (host/include/v6lb/packet_class.h), per service,
// per backend (in counter banks), and flow-table occupancy. Updated from one event per clock;
// the host reads any one through a snapshot taken when it writes CNT_SEL.
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
    input  wire        c_reply_stateless,
    input  wire        c_learned,
    input  wire        c_table_full,
    input  wire [7:0]  c_service,
    input  wire [15:0] c_backend,
    input  wire signed [3:0] c_occ_fwd_delta,
    input  wire signed [3:0] c_occ_rep_delta,
    input  wire        c_is_packet,

    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0] sel,          // CNT_SEL; bits 31:26 reserved
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        sel_write,    // sel was just written: take a snapshot
    output logic        value_valid, // two clocks after sel_write, for one clock
    output logic [63:0] value        // the selected counter then
);
  localparam integer N_GLOBAL = 20;
  localparam integer RX_PACKETS = 0, RX_BYTES = 1, FWD_PACKETS = 2, FWD_BYTES = 3,
                     PUNT_PACKETS = 4, PUNT_BYTES = 5, FLOWS_LEARNED = 16, FLOW_TABLE_FULL = 17,
                     REPLY_PACKETS = 18, REPLY_STATELESS = 19;
  localparam integer SB = N_SERVICES > 1 ? $clog2(N_SERVICES) : 1;
  localparam integer BB = N_BACKENDS > 1 ? $clog2(N_BACKENDS) : 1;

  // The event, registered (its fields come from several stages of v6lb_lookup).
  logic        e_pkt, e_fwd, e_punt, e_to_svc, e_reply, e_stateless, e_learned, e_full;
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
    e_stateless <= c_reply_stateless;
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
      g[RX_PACKETS] <= g[RX_PACKETS] + 64'd1;
      g[RX_BYTES] <= g[RX_BYTES] + len;
      if (e_fwd) begin
        g[FWD_PACKETS] <= g[FWD_PACKETS] + 64'd1;
        g[FWD_BYTES] <= g[FWD_BYTES] + len;
      end
      if (e_punt) begin
        g[PUNT_PACKETS] <= g[PUNT_PACKETS] + 64'd1;
        g[PUNT_BYTES] <= g[PUNT_BYTES] + len;
      end
      if ({27'd0, e_global} < N_GLOBAL) g[e_global] <= g[e_global] + 64'd1;
      if (e_learned) g[FLOWS_LEARNED] <= g[FLOWS_LEARNED] + 64'd1;
      if (e_full) g[FLOW_TABLE_FULL] <= g[FLOW_TABLE_FULL] + 64'd1;
      if (e_reply) g[REPLY_PACKETS] <= g[REPLY_PACKETS] + 64'd1;
      if (e_stateless) g[REPLY_STATELESS] <= g[REPLY_STATELESS] + 64'd1;
    end
  end

  // Per service and per backend: one word of five counters per slot, in a counter bank.
  // Service fields (CNT_SEL.FIELD): 0 packets, 1 bytes, 2 new flows, 3 reply packets, 4 reply
  // bytes. Backend: 0 packets, 1 bytes, 2 reply packets, 3 reply bytes, 4 new flows.
  wire [15:0] one = 16'd1;
  wire [15:0] svc_pkts = e_to_svc ? one : 16'd0, svc_bytes = e_to_svc ? e_len : 16'd0;
  wire [15:0] rep_pkts = e_reply ? one : 16'd0, rep_bytes = e_reply ? e_len : 16'd0;
  wire [15:0] learned = e_to_svc && e_learned ? one : 16'd0;
  wire touches = e_pkt && (e_to_svc || e_reply);

  wire [15:0] idx = sel[15:0];
  wire [7:0] field = sel[23:16];
  wire [1:0] kind = sel[25:24];
  wire [64*5-1:0] svc_word, be_word;

  v6lb_counter_bank #(.ENTRIES(N_SERVICES), .FIELDS(5), .IDX_WIDTH(SB)) svc_bank (
      .clk(clk), .rst(rst), .clear(clear),
      .ev_valid(touches && e_svc_ok), .ev_idx(e_svc),
      .ev_inc({rep_bytes, rep_pkts, learned, svc_bytes, svc_pkts}),
      .rd_en(sel_write), .rd_idx(idx[SB-1:0]), .rd_data(svc_word));

  v6lb_counter_bank #(.ENTRIES(N_BACKENDS), .FIELDS(5), .IDX_WIDTH(BB)) be_bank (
      .clk(clk), .rst(rst), .clear(clear),
      .ev_valid(touches && e_be_ok), .ev_idx(e_be),
      .ev_inc({learned, rep_bytes, rep_pkts, svc_bytes, svc_pkts}),
      .rd_en(sel_write), .rd_idx(idx[BB-1:0]), .rd_data(be_word));

  // Flow-table occupancy is state, not traffic: a counter clear leaves it.
  logic [63:0] occ_fwd, occ_rep;
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
    h_field <= field < 8'd5 ? field[2:0] : 3'd7;
    case (kind)
      2'd0: h_in_range <= {16'd0, idx} < N_GLOBAL;
      2'd1: h_in_range <= {16'd0, idx} < N_SERVICES;
      2'd2: h_in_range <= {16'd0, idx} < N_BACKENDS;
      default: h_in_range <= idx < 16'd2;
    endcase
    h_flop <= kind == 2'd0 ? g[idx[4:0]] : idx[0] ? occ_rep : occ_fwd;
    value_valid <= h_valid;
    value <= 64'd0;
    if (h_in_range)
      case (h_kind)
        2'd1: if (h_field != 3'd7) value <= svc_word[64*h_field+:64];
        2'd2: if (h_field != 3'd7) value <= be_word[64*h_field+:64];
        default: value <= h_flop;
      endcase
  end
endmodule
