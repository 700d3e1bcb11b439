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

  wire [16:0] beat_bytes = s_axis_tlast ? {9'd0, keep_count(s_axis_tkeep)} : KEEP_WIDTH[16:0];
  wire [16:0] len_base = in_frame ? len : 17'd0;
  wire [17:0] len_sum = {1'b0, len_base} + {1'b0, beat_bytes};
  wire [16:0] len_next = len_sum > 18'h0FFFF ? 17'h0FFFF : len_sum[16:0];
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

  always_ff @(posedge clk) begin
    desc_valid <= 1'b0;
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
        desc_valid <= 1'b1;
        desc_window <= window_next[WINDOW_BYTES*8-1:0];
        desc_len <= len_next[15:0];
        desc_tick <= sop ? tick : tick_sop;
        desc_error <= (in_frame && err) || s_axis_tuser;
      end
    end
    if (rst) begin
      in_frame <= 1'b0;
      beat_idx <= '0;
      len <= '0;
      desc_valid <= 1'b0;
    end
  end
endmodule
