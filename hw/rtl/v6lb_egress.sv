// Egress: pairs each held frame with its verdict, patches the rewritten header bytes into the
// beats as they pass (MACs, hop limit, one address, one port, the checksum), and steers the
// frame to the forward stream, the punt stream, or nowhere. One beat per clock, three stages:
// take (beat and verdict registered), locate (which header field covers each lane), patch.
module v6lb_egress #(
    parameter integer DATA_WIDTH = 64,
    parameter integer KEEP_WIDTH = DATA_WIDTH / 8,
    parameter integer DEC_WIDTH = 302
) (
    input  wire                          clk,
    input  wire                          rst,
    // Held frames, {tlast, tkeep, tdata}.
    input  wire                          pkt_valid,
    input  wire [DATA_WIDTH+KEEP_WIDTH:0] pkt_data,
    output wire                          pkt_ready,
    // Verdicts, one per frame, in frame order.
    input  wire                          dec_valid,
    input  wire [DEC_WIDTH-1:0]          dec_data,
    output wire                          dec_ready,

    output wire [DATA_WIDTH-1:0]         m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,

    output wire [DATA_WIDTH-1:0]         m_axis_punt_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_punt_tkeep,
    output wire                          m_axis_punt_tvalid,
    input  wire                          m_axis_punt_tready,
    output wire                          m_axis_punt_tlast
);
  localparam integer BEAT_BITS = 16;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
      $error("v6lb_egress: DATA_WIDTH = %0d, must be a power of two in 64..512", DATA_WIDTH);
    if (KEEP_WIDTH * 8 != DATA_WIDTH)
      $error("v6lb_egress: KEEP_WIDTH = %0d, must be DATA_WIDTH / 8", KEEP_WIDTH);
    if (DEC_WIDTH != 302)
      $error("v6lb_egress: DEC_WIDTH = %0d, must be 302 (the verdict v6lb_lookup makes)", DEC_WIDTH);
  end

  // ---------------------------------------------------------------- stage take
  // The frame's next beat joined with its verdict, registered, so the FIFOs' read and empty
  // logic ends here. The beat number within the frame goes along.
  logic                  t_valid;
  logic [DATA_WIDTH-1:0] t_tdata;
  logic [KEEP_WIDTH-1:0] t_tkeep;
  logic                  t_tlast;
  logic [DEC_WIDTH-1:0]  t_dec;
  logic [BEAT_BITS-1:0]  t_beat;
  logic [BEAT_BITS-1:0]  beat;  // number of the next beat to take

  // ---------------------------------------------------------------- stage locate
  // Per lane, which header fields cover it (the position compares), and the header bytes, so
  // the patch stage only selects.
  logic                  p_valid;
  logic [DATA_WIDTH-1:0] p_tdata;
  logic [KEEP_WIDTH-1:0] p_tkeep;
  logic                  p_tlast;
  logic [1:0]            p_verdict;
  logic [KEEP_WIDTH-1:0] p_dmac, p_smac, p_hop, p_addr, p_port_hi, p_port_lo, p_csum_hi,
                         p_csum_lo;
  logic [3*KEEP_WIDTH-1:0] p_mi;  // per lane: byte number within its MAC address
  logic [4*KEEP_WIDTH-1:0] p_ai;  // and within the rewritten IPv6 address
  logic [47:0]           p_dst_mac, p_src_mac;
  logic [7:0]            p_hop_val;
  logic [127:0]          p_addr_val;
  logic [15:0]           p_port_val, p_csum_val;

  // Both outputs sit behind skid buffers; a dropped frame's beats leave the locate stage at once.
  wire fwd_ready, punt_ready;
  wire p_sink_ready = p_verdict == 2'd0 ? fwd_ready : p_verdict == 2'd1 ? punt_ready : 1'b1;
  wire p_ready = !p_valid || p_sink_ready;
  wire t_ready = !t_valid || p_ready;
  wire take = pkt_valid && dec_valid && t_ready;

  assign pkt_ready = take;
  assign dec_ready = take && pkt_data[DATA_WIDTH+KEEP_WIDTH];

  always_ff @(posedge clk) begin
    if (rst) begin
      t_valid <= 1'b0;
      beat <= '0;
    end else begin
      if (t_ready) t_valid <= take;
      if (take)
        beat <= pkt_data[DATA_WIDTH+KEEP_WIDTH] ? '0 :
                (beat == {BEAT_BITS{1'b1}} ? beat : beat + 1'b1);
    end
    if (take) begin
      t_tdata <= pkt_data[DATA_WIDTH-1:0];
      t_tkeep <= pkt_data[DATA_WIDTH+KEEP_WIDTH-1:DATA_WIDTH];
      t_tlast <= pkt_data[DATA_WIDTH+KEEP_WIDTH];
      t_dec <= dec_data;
      t_beat <= beat;
    end
  end

  // Verdict fields (v6lb_top packs them in this order, verdict in the LSBs).
  wire [1:0]   t_verdict = t_dec[1:0];
  wire [47:0]  dst_mac  = t_dec[49:2];
  wire [47:0]  src_mac  = t_dec[97:50];
  wire [8:0]   hop_off  = t_dec[106:98];
  wire [7:0]   hop      = t_dec[114:107];
  wire [8:0]   addr_off = t_dec[123:115];
  wire [127:0] addr     = t_dec[251:124];
  wire [8:0]   port_off = t_dec[260:252];
  wire [15:0]  port     = t_dec[276:261];
  wire [8:0]   csum_off = t_dec[285:277];
  wire [15:0]  csum     = t_dec[301:286];

  logic [KEEP_WIDTH-1:0] l_dmac, l_smac, l_hop, l_addr, l_port_hi, l_port_lo, l_csum_hi, l_csum_lo;
  logic [3*KEEP_WIDTH-1:0] l_mi;
  logic [4*KEEP_WIDTH-1:0] l_ai;
  always_comb begin
    integer i;
    logic [31:0] pos;
    for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
      pos = {16'd0, t_beat} * KEEP_WIDTH + i;
      // Only a forwarded frame is rewritten; punted frames leave as they came.
      l_dmac[i] = t_verdict == 2'd0 && pos < 6;
      l_smac[i] = t_verdict == 2'd0 && pos >= 6 && pos < 12;
      l_hop[i] = t_verdict == 2'd0 && pos == {23'd0, hop_off};
      l_addr[i] = t_verdict == 2'd0 && pos >= {23'd0, addr_off} &&
                  pos < {23'd0, addr_off} + 32'd16;
      l_port_hi[i] = t_verdict == 2'd0 && pos == {23'd0, port_off};
      l_port_lo[i] = t_verdict == 2'd0 && pos == {23'd0, port_off} + 32'd1;
      l_csum_hi[i] = t_verdict == 2'd0 && pos == {23'd0, csum_off};
      l_csum_lo[i] = t_verdict == 2'd0 && pos == {23'd0, csum_off} + 32'd1;
      // Byte numbers within the MAC and the address (4 bits wide so the latter wraps).
      l_mi[3*i+:3] = pos[3:0] < 4'd6 ? pos[2:0] : 3'(pos[3:0] - 4'd6);
      l_ai[4*i+:4] = pos[3:0] - addr_off[3:0];
    end
  end

  always_ff @(posedge clk) begin
    if (rst) p_valid <= 1'b0;
    else if (p_ready) p_valid <= t_valid;
    if (p_ready) begin
      p_tdata <= t_tdata;
      p_tkeep <= t_tkeep;
      p_tlast <= t_tlast;
      p_verdict <= t_verdict;
      p_dmac <= l_dmac;
      p_smac <= l_smac;
      p_hop <= l_hop;
      p_addr <= l_addr;
      p_port_hi <= l_port_hi;
      p_port_lo <= l_port_lo;
      p_csum_hi <= l_csum_hi;
      p_csum_lo <= l_csum_lo;
      p_mi <= l_mi;
      p_ai <= l_ai;
      p_dst_mac <= dst_mac;
      p_src_mac <= src_mac;
      p_hop_val <= hop;
      p_addr_val <= addr;
      p_port_val <= port;
      p_csum_val <= csum;
    end
  end

  // ---------------------------------------------------------------- stage patch
  // The fields in the order the model applies them: the first that covers a byte wins.
  logic [DATA_WIDTH-1:0] patched;
  always_comb begin
    integer i;
    logic [2:0] mi;
    logic [3:0] ai;
    for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
      mi = p_mi[3*i+:3];
      ai = p_ai[4*i+:4];
      if (p_dmac[i]) patched[8*i+:8] = p_dst_mac[47-8*mi-:8];
      else if (p_smac[i]) patched[8*i+:8] = p_src_mac[47-8*mi-:8];
      else if (p_hop[i]) patched[8*i+:8] = p_hop_val;
      else if (p_addr[i]) patched[8*i+:8] = p_addr_val[127-8*ai-:8];
      else if (p_port_hi[i]) patched[8*i+:8] = p_port_val[15:8];
      else if (p_port_lo[i]) patched[8*i+:8] = p_port_val[7:0];
      else if (p_csum_hi[i]) patched[8*i+:8] = p_csum_val[15:8];
      else if (p_csum_lo[i]) patched[8*i+:8] = p_csum_val[7:0];
      else patched[8*i+:8] = p_tdata[8*i+:8];
    end
  end

  v6lb_skid_buffer #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1)) fwd_skid (
      .clk(clk), .rst(rst),
      .in_valid(p_valid && p_verdict == 2'd0), .in_data({p_tlast, p_tkeep, patched}),
      .in_ready(fwd_ready),
      .out_valid(m_axis_tvalid), .out_data({m_axis_tlast, m_axis_tkeep, m_axis_tdata}),
      .out_ready(m_axis_tready));

  v6lb_skid_buffer #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1)) punt_skid (
      .clk(clk), .rst(rst),
      .in_valid(p_valid && p_verdict == 2'd1), .in_data({p_tlast, p_tkeep, p_tdata}),
      .in_ready(punt_ready),
      .out_valid(m_axis_punt_tvalid),
      .out_data({m_axis_punt_tlast, m_axis_punt_tkeep, m_axis_punt_tdata}),
      .out_ready(m_axis_punt_tready));
endmodule
