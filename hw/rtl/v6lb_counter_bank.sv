// A bank of 64-bit counters in block RAM (or LUTRAM when small): ENTRIES words of FIELDS
// counters each, one event per clock adding a 16-bit increment to every field of one word, and
// a host read port. An event reads its word, adds in the next clock and writes it back; the
// write of the event one ahead is forwarded (the read issued in the clock of that write
// returns the old word), so events of one word on consecutive clocks all count.
//
// Clearing (reset, or `clear`) walks the words one per clock through the same write port; an
// event's write takes the port first and the walk waits. An event on a word the walk has not
// reached yet is lost with the clear, as a counter cleared a moment later would be.
module v6lb_counter_bank #(
    parameter integer ENTRIES = 64,
    parameter integer FIELDS = 5,
    parameter integer IDX_WIDTH = ENTRIES > 1 ? $clog2(ENTRIES) : 1
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     clear,

    input  wire                     ev_valid,
    input  wire [IDX_WIDTH-1:0]     ev_idx,    // < ENTRIES
    input  wire [16*FIELDS-1:0]     ev_inc,    // field f adds ev_inc[16f+15:16f]

    input  wire                     rd_en,
    input  wire [IDX_WIDTH-1:0]     rd_idx,
    output logic [64*FIELDS-1:0]    rd_data    // the clock after rd_en
);
  localparam integer WW = 64 * FIELDS;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (ENTRIES < 1)
      $error("v6lb_counter_bank: ENTRIES = %0d, must be at least 1", ENTRIES);
    if (FIELDS < 1)
      $error("v6lb_counter_bank: FIELDS = %0d, must be at least 1", FIELDS);
    if (IDX_WIDTH < 1 || (1 << IDX_WIDTH) < ENTRIES)
      $error("v6lb_counter_bank: IDX_WIDTH = %0d cannot index the entries", IDX_WIDTH);
  end

  logic [WW-1:0] mem[ENTRIES];

  // Stage add: the event whose word was read in the clock before.
  logic                 a_valid, a_fwd;
  logic [IDX_WIDTH-1:0] a_idx;
  logic [16*FIELDS-1:0] a_inc;
  logic [WW-1:0]        a_q, w_last;

  logic                 clearing;
  logic [IDX_WIDTH-1:0] clear_idx;

  logic [WW-1:0] sum;
  always_comb begin
    integer f;
    for (f = 0; f < FIELDS; f = f + 1)
      sum[64*f+:64] = (a_fwd ? w_last[64*f+:64] : a_q[64*f+:64]) + {48'd0, a_inc[16*f+:16]};
  end

  wire                 we = a_valid || clearing;
  wire [IDX_WIDTH-1:0] wa = a_valid ? a_idx : clear_idx;
  wire [WW-1:0]        wd = a_valid ? sum : {WW{1'b0}};

  always_ff @(posedge clk) begin
    if (we) mem[wa] <= wd;
    a_q <= mem[ev_idx];
    if (rd_en) rd_data <= mem[rd_idx];
    a_valid <= !rst && ev_valid;
    a_idx <= ev_idx;
    a_inc <= ev_inc;
    a_fwd <= we && wa == ev_idx;
    w_last <= wd;
    if (rst || clear) begin
      clearing <= 1'b1;
      clear_idx <= '0;
    end else if (clearing && !a_valid) begin
      clear_idx <= clear_idx + 1'b1;
      if ({{(32 - IDX_WIDTH) {1'b0}}, clear_idx} == ENTRIES - 1) clearing <= 1'b0;
    end
  end
endmodule
