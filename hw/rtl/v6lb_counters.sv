// All counters, 64-bit: global ones by number (host/include/v6lb/packet_class.h), per service,
// per backend, and flow-table occupancy. Updated from one event per clock; the host reads any one
// through a snapshot.
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
    output logic [63:0] value        // the selected counter, combinational
);
  localparam integer N_GLOBAL = 20;
  localparam integer RX_PACKETS = 0, RX_BYTES = 1, FWD_PACKETS = 2, FWD_BYTES = 3,
                     PUNT_PACKETS = 4, PUNT_BYTES = 5, FLOWS_LEARNED = 16, FLOW_TABLE_FULL = 17,
                     REPLY_PACKETS = 18, REPLY_STATELESS = 19;

  logic [63:0] g[N_GLOBAL];
  logic [63:0] s_packets[N_SERVICES], s_bytes[N_SERVICES], s_new[N_SERVICES];
  logic [63:0] s_rpackets[N_SERVICES], s_rbytes[N_SERVICES];
  logic [63:0] b_packets[N_BACKENDS], b_bytes[N_BACKENDS];
  logic [63:0] b_rpackets[N_BACKENDS], b_rbytes[N_BACKENDS], b_new[N_BACKENDS];
  logic [63:0] occ_fwd, occ_rep;

  wire [63:0] len = {48'd0, c_len};
  localparam integer SB = $clog2(N_SERVICES);
  localparam integer BB = $clog2(N_BACKENDS);
  wire svc_ok = {24'd0, c_service} < N_SERVICES;
  wire be_ok = {16'd0, c_backend} < N_BACKENDS;
  wire [SB-1:0] cs = c_service[SB-1:0];
  wire [BB-1:0] cb = c_backend[BB-1:0];
  wire pkt = c_valid && c_is_packet;

  // Clearing walks the arrays one index per clock (block RAM has one write port); reset starts
  // the same walk.
  localparam integer N_CLEAR = N_SERVICES > N_BACKENDS ? N_SERVICES : N_BACKENDS;
  logic        clearing;
  logic [16:0] clear_idx;
  always_ff @(posedge clk) begin
    if (rst || clear) begin
      clearing <= 1'b1;
      clear_idx <= 17'd0;
    end else if (clearing) begin
      if ({15'd0, clear_idx} < N_SERVICES) begin
        s_packets[clear_idx[SB-1:0]] <= 64'd0;
        s_bytes[clear_idx[SB-1:0]] <= 64'd0;
        s_new[clear_idx[SB-1:0]] <= 64'd0;
        s_rpackets[clear_idx[SB-1:0]] <= 64'd0;
        s_rbytes[clear_idx[SB-1:0]] <= 64'd0;
      end
      if ({15'd0, clear_idx} < N_BACKENDS) begin
        b_packets[clear_idx[BB-1:0]] <= 64'd0;
        b_bytes[clear_idx[BB-1:0]] <= 64'd0;
        b_rpackets[clear_idx[BB-1:0]] <= 64'd0;
        b_rbytes[clear_idx[BB-1:0]] <= 64'd0;
        b_new[clear_idx[BB-1:0]] <= 64'd0;
      end
      if ({15'd0, clear_idx} < N_GLOBAL) g[clear_idx[4:0]] <= 64'd0;
      clear_idx <= clear_idx + 17'd1;
      if ({15'd0, clear_idx} == N_CLEAR - 1) clearing <= 1'b0;
    end
    // Traffic keeps counting while a clear walks (an index not yet cleared loses its count).
    if (pkt && !rst && !clear) begin
      g[RX_PACKETS] <= g[RX_PACKETS] + 64'd1;
      g[RX_BYTES] <= g[RX_BYTES] + len;
      if (c_fwd) begin
        g[FWD_PACKETS] <= g[FWD_PACKETS] + 64'd1;
        g[FWD_BYTES] <= g[FWD_BYTES] + len;
      end
      if (c_punt) begin
        g[PUNT_PACKETS] <= g[PUNT_PACKETS] + 64'd1;
        g[PUNT_BYTES] <= g[PUNT_BYTES] + len;
      end
      if ({27'd0, c_global} < N_GLOBAL) g[c_global] <= g[c_global] + 64'd1;
      if (c_learned) g[FLOWS_LEARNED] <= g[FLOWS_LEARNED] + 64'd1;
      if (c_table_full) g[FLOW_TABLE_FULL] <= g[FLOW_TABLE_FULL] + 64'd1;
      if (c_reply) g[REPLY_PACKETS] <= g[REPLY_PACKETS] + 64'd1;
      if (c_reply_stateless) g[REPLY_STATELESS] <= g[REPLY_STATELESS] + 64'd1;
      if (c_to_service && svc_ok) begin
        s_packets[cs] <= s_packets[cs] + 64'd1;
        s_bytes[cs] <= s_bytes[cs] + len;
        if (c_learned) s_new[cs] <= s_new[cs] + 64'd1;
      end
      if (c_reply && svc_ok) begin
        s_rpackets[cs] <= s_rpackets[cs] + 64'd1;
        s_rbytes[cs] <= s_rbytes[cs] + len;
      end
      if (c_to_service && be_ok) begin
        b_packets[cb] <= b_packets[cb] + 64'd1;
        b_bytes[cb] <= b_bytes[cb] + len;
        if (c_learned) b_new[cb] <= b_new[cb] + 64'd1;
      end
      if (c_reply && be_ok) begin
        b_rpackets[cb] <= b_rpackets[cb] + 64'd1;
        b_rbytes[cb] <= b_rbytes[cb] + len;
      end
    end
    // Occupancy is state, not traffic: a counter clear leaves it.
    if (rst) begin
      occ_fwd <= 64'd0;
      occ_rep <= 64'd0;
    end else if (c_valid) begin
      occ_fwd <= occ_fwd + {{60{c_occ_fwd_delta[3]}}, c_occ_fwd_delta};
      occ_rep <= occ_rep + {{60{c_occ_rep_delta[3]}}, c_occ_rep_delta};
    end
  end

  wire [15:0] idx = sel[15:0];
  wire [7:0] field = sel[23:16];
  wire [1:0] kind = sel[25:24];
  wire [SB-1:0] si = idx[SB-1:0];
  wire [BB-1:0] bi = idx[BB-1:0];
  always_comb begin
    value = 64'd0;
    case (kind)
      2'd0: if ({16'd0, idx} < N_GLOBAL) value = g[idx[4:0]];
      2'd1:
        if ({16'd0, idx} < N_SERVICES)
          case (field)
            8'd0: value = s_packets[si];
            8'd1: value = s_bytes[si];
            8'd2: value = s_new[si];
            8'd3: value = s_rpackets[si];
            8'd4: value = s_rbytes[si];
            default: value = 64'd0;
          endcase
      2'd2:
        if ({16'd0, idx} < N_BACKENDS)
          case (field)
            8'd0: value = b_packets[bi];
            8'd1: value = b_bytes[bi];
            8'd2: value = b_rpackets[bi];
            8'd3: value = b_rbytes[bi];
            8'd4: value = b_new[bi];
            default: value = 64'd0;
          endcase
      default: value = idx == 16'd0 ? occ_fwd : idx == 16'd1 ? occ_rep : 64'd0;
    endcase
  end
endmodule
