// Ingress: takes the receive stream, stores every beat of a frame in the packet FIFO and, at the
// frame's last beat, emits a descriptor: the first WINDOW_BYTES bytes, the frame length and the
// tick at its first beat. Frames longer than MAX_FRAME keep only their first beats and their last
// (so the FIFO never has to hold more than one maximal frame); the parser calls them malformed.
module v6lb_ingress #(
    parameter integer DATA_WIDTH = 64,
    parameter integer KEEP_WIDTH = DATA_WIDTH / 8,
    parameter integer WINDOW_BYTES = 256,
    parameter integer MAX_FRAME = 10240
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire [31:0]               tick,
    input  wire                      hold,        // stop taking beats (room for a host operation)
    input  wire                      fifo_ready,  // the packet FIFO can take a beat
    input  wire                      credit,      // a verdict slot is free for one more frame

    input  wire [DATA_WIDTH-1:0]     s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]     s_axis_tkeep,
    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,
    input  wire                      s_axis_tlast,
    input  wire                      s_axis_tuser,

    output wire                      fifo_valid,
    output wire [DATA_WIDTH+KEEP_WIDTH:0] fifo_data,  // {tlast, tkeep, tdata}
    output wire                      frame_start,     // a first beat was taken (uses a credit)

    output logic                     desc_valid,
    output logic [WINDOW_BYTES*8-1:0] desc_window,
    output logic [15:0]              desc_len,
    output logic [31:0]              desc_tick,
    output logic                     desc_error       // tuser: the MAC saw a bad frame
);
  localparam integer WINDOW_BEATS = (WINDOW_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
  localparam integer MAX_BEATS = (MAX_FRAME + KEEP_WIDTH - 1) / KEEP_WIDTH + 1;
  localparam integer BEAT_BITS = 11;  // counts past MAX_BEATS for every DATA_WIDTH >= 64
  localparam [BEAT_BITS-1:0] BEAT_MAX = {BEAT_BITS{1'b1}};

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
      $error("v6lb_ingress: DATA_WIDTH = %0d, must be a power of two in 64..512", DATA_WIDTH);
    if (KEEP_WIDTH * 8 != DATA_WIDTH)
      $error("v6lb_ingress: KEEP_WIDTH = %0d, must be DATA_WIDTH / 8", KEEP_WIDTH);
    if (WINDOW_BYTES < 64 || WINDOW_BYTES > 504)
      $error("v6lb_ingress: WINDOW_BYTES = %0d, must be 64..504", WINDOW_BYTES);
    if (MAX_FRAME < 64 || MAX_FRAME > 65535 || MAX_BEATS >= BEAT_MAX)
      $error("v6lb_ingress: MAX_FRAME = %0d, must be 64..65535 and its beats fit BEAT_BITS", MAX_FRAME);
  end

  logic                  in_frame;     // a frame has started and not ended
  logic [BEAT_BITS-1:0]  beat_idx;     // beats taken of this frame, saturating
  logic [16:0]           len;          // bytes so far, saturating at 0xFFFF
  logic [31:0]           tick_sop;
  logic                  err;
  logic [WINDOW_BEATS*DATA_WIDTH-1:0] window;

  // A first beat needs a credit; later beats only FIFO room.
  assign s_axis_tready = !hold && fifo_ready && (in_frame || credit);
  wire take = s_axis_tvalid && s_axis_tready;
  wire sop = take && !in_frame;

  // Bytes in this beat: all lanes, except on the last beat where tkeep counts them.
  function automatic [7:0] keep_count(input [KEEP_WIDTH-1:0] k);
    integer i;
    keep_count = 0;
    for (i = 0; i < KEEP_WIDTH; i = i + 1) keep_count = keep_count + {7'd0, k[i]};
  endfunction

  // `len` counts the full beats before this one; the last beat's lanes are counted at the last
  // beat and added a clock later (the descriptor leaves one clock after the last beat), so the
  // population count and the addition are never in one path.
  function automatic [16:0] sat_add(input [16:0] a, input [16:0] b);
    logic [17:0] s;
    s = {1'b0, a} + {1'b0, b};
    sat_add = s > 18'h0FFFF ? 17'h0FFFF : s[16:0];
  endfunction
  wire [16:0] len_base = in_frame ? len : 17'd0;
  wire [16:0] len_next = sat_add(len_base, KEEP_WIDTH[16:0]);
  wire [BEAT_BITS-1:0] idx = in_frame ? beat_idx : '0;
  // Beyond MAX_BEATS only the last beat is stored.
  wire store = take && ({21'd0, idx} < MAX_BEATS || s_axis_tlast);

  // Lanes past tkeep on the last beat are zeroed: the parser must see nothing beyond the frame.
  logic [DATA_WIDTH-1:0] data_masked;
  always_comb begin
    integer i;
    for (i = 0; i < KEEP_WIDTH; i = i + 1)
      data_masked[8*i+:8] = (s_axis_tlast && !s_axis_tkeep[i]) ? 8'd0 : s_axis_tdata[8*i+:8];
  end

  // The window as it stands after this beat.
  logic [WINDOW_BEATS*DATA_WIDTH-1:0] window_next;
  always_comb begin
    integer b;
    for (b = 0; b < WINDOW_BEATS; b = b + 1) begin
      if ({21'd0, idx} == b) window_next[b*DATA_WIDTH+:DATA_WIDTH] = data_masked;
      else if (!in_frame) window_next[b*DATA_WIDTH+:DATA_WIDTH] = '0;
      else window_next[b*DATA_WIDTH+:DATA_WIDTH] = window[b*DATA_WIDTH+:DATA_WIDTH];
    end
  end

  assign fifo_valid = store;
  assign fifo_data = {s_axis_tlast, s_axis_tkeep, s_axis_tdata};
  assign frame_start = sop;

  // The frame as it stood at its last beat, one clock before the descriptor.
  logic                     last_valid;
  logic [WINDOW_BYTES*8-1:0] last_window;
  logic [16:0]              last_len_base;
  logic [7:0]               last_lanes;
  logic [31:0]              last_tick;
  logic                     last_error;
  wire  [16:0]              last_len = sat_add(last_len_base, {9'd0, last_lanes});
  wire                      unused_len_top = last_len[16];  // saturated at 0xFFFF

  always_ff @(posedge clk) begin
    desc_valid <= last_valid;
    desc_window <= last_window;
    desc_len <= last_len[15:0];
    desc_tick <= last_tick;
    desc_error <= last_error;
    last_valid <= 1'b0;
    if (take) begin
      window <= window_next;
      len <= len_next;
      if (idx != BEAT_MAX) beat_idx <= idx + 1'b1;
      if (sop) begin
        tick_sop <= tick;
        err <= s_axis_tuser;
      end else begin
        err <= err | s_axis_tuser;
      end
      in_frame <= !s_axis_tlast;
      if (s_axis_tlast) begin
        last_valid <= 1'b1;
        last_window <= window_next[WINDOW_BYTES*8-1:0];
        last_len_base <= len_base;
        last_lanes <= keep_count(s_axis_tkeep);
        last_tick <= sop ? tick : tick_sop;
        last_error <= (in_frame && err) || s_axis_tuser;
      end
    end
    if (rst) begin
      in_frame <= 1'b0;
      beat_idx <= '0;
      len <= '0;
      last_valid <= 1'b0;
      desc_valid <= 1'b0;
    end
  end
endmodule
