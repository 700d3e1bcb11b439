// Egress: pairs each held frame with its verdict, patches the rewritten header bytes into the
// beats as they pass (MACs, hop limit, one address, one port, the checksum), and steers the
// frame to the forward stream, the punt stream, or nowhere. One beat per clock.
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

  // Verdict fields (v6lb_top packs them in this order, verdict in the LSBs).
  wire [1:0]   verdict  = dec_data[1:0];
  wire [47:0]  dst_mac  = dec_data[49:2];
  wire [47:0]  src_mac  = dec_data[97:50];
  wire [8:0]   hop_off  = dec_data[106:98];
  wire [7:0]   hop      = dec_data[114:107];
  wire [8:0]   addr_off = dec_data[123:115];
  wire [127:0] addr     = dec_data[251:124];
  wire [8:0]   port_off = dec_data[260:252];
  wire [15:0]  port     = dec_data[276:261];
  wire [8:0]   csum_off = dec_data[285:277];
  wire [15:0]  csum     = dec_data[301:286];

  logic [BEAT_BITS-1:0] beat;  // beat number within the current frame

  wire [DATA_WIDTH-1:0] tdata = pkt_data[DATA_WIDTH-1:0];
  wire [KEEP_WIDTH-1:0] tkeep = pkt_data[DATA_WIDTH+KEEP_WIDTH-1:DATA_WIDTH];
  wire                  tlast = pkt_data[DATA_WIDTH+KEEP_WIDTH];

  // The beat with the header bytes replaced where the verdict forwards.
  logic [DATA_WIDTH-1:0] patched;
  always_comb begin
    integer i;
    logic [31:0] pos;
    logic [3:0] mi, ai;
    patched = tdata;
    pos = 32'd0;
    mi = 4'd0;
    ai = 4'd0;
    for (i = 0; i < KEEP_WIDTH; i = i + 1)
      if (verdict == 2'd0) begin
        pos = {16'd0, beat} * KEEP_WIDTH + i;
        // Byte numbers within the MAC and the address, kept 4 bits wide so they wrap.
        mi = pos[3:0] - 4'd6;
        ai = pos[3:0] - addr_off[3:0];
        if (pos < 6) patched[8*i+:8] = dst_mac[47-8*pos[2:0]-:8];
        else if (pos < 12) patched[8*i+:8] = src_mac[47-8*mi-:8];
        else if (pos == {23'd0, hop_off}) patched[8*i+:8] = hop;
        else if (pos >= {23'd0, addr_off} && pos < {23'd0, addr_off} + 32'd16)
          patched[8*i+:8] = addr[127-8*ai-:8];
        else if (pos == {23'd0, port_off}) patched[8*i+:8] = port[15:8];
        else if (pos == {23'd0, port_off} + 32'd1) patched[8*i+:8] = port[7:0];
        else if (pos == {23'd0, csum_off}) patched[8*i+:8] = csum[15:8];
        else if (pos == {23'd0, csum_off} + 32'd1) patched[8*i+:8] = csum[7:0];
      end
  end

  // Both outputs sit behind skid buffers; a dropped frame's beats are consumed at once.
  wire fwd_ready, punt_ready;
  wire active = pkt_valid && dec_valid;
  wire to_fwd = active && verdict == 2'd0;
  wire to_punt = active && verdict == 2'd1;
  wire sink_ready = verdict == 2'd0 ? fwd_ready : verdict == 2'd1 ? punt_ready : 1'b1;
  wire move = active && sink_ready;

  assign pkt_ready = move;
  assign dec_ready = move && tlast;

  always_ff @(posedge clk) begin
    if (rst) beat <= '0;
    else if (move) beat <= tlast ? '0 : (beat == {BEAT_BITS{1'b1}} ? beat : beat + 1'b1);
  end

  v6lb_skid_buffer #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1)) fwd_skid (
      .clk(clk), .rst(rst),
      .in_valid(to_fwd), .in_data({tlast, tkeep, patched}), .in_ready(fwd_ready),
      .out_valid(m_axis_tvalid), .out_data({m_axis_tlast, m_axis_tkeep, m_axis_tdata}),
      .out_ready(m_axis_tready));

  v6lb_skid_buffer #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1)) punt_skid (
      .clk(clk), .rst(rst),
      .in_valid(to_punt), .in_data({tlast, tkeep, tdata}), .in_ready(punt_ready),
      .out_valid(m_axis_punt_tvalid),
      .out_data({m_axis_punt_tlast, m_axis_punt_tkeep, m_axis_punt_tdata}),
      .out_ready(m_axis_punt_tready));
endmodule
