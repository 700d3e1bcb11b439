// One flow table: SETS sets of WAYS entries, a whole set per word, one read and one write per
// clock (simple dual-port block RAM, registered read). The read issued in the cycle of a write to
// the same set returns the old word; the one-deep bypass replaces it with the word just written,
// so a read-modify-write stage sees every earlier write: back-to-back packets of one flow too.
// No initial contents: v6lb_lookup clears both tables after reset.
module v6lb_flow_mem #(
    parameter integer SETS_LOG2 = 10,
    parameter integer WORD_WIDTH = 64
) (
    input  wire                  clk,
    input  wire                  rd_en,
    input  wire [SETS_LOG2-1:0]  rd_addr,
    output wire [WORD_WIDTH-1:0] rd_data,   // the cycle after rd_en
    // rd_data's two candidates and the select, for a reader that computes on both and selects
    // last (so the select is not in series with its logic): rd_data = rd_byp ? rd_wdata : rd_q.
    output wire [WORD_WIDTH-1:0] rd_q,
    output wire [WORD_WIDTH-1:0] rd_wdata,
    output wire                  rd_byp,
    input  wire                  wr_en,
    input  wire [SETS_LOG2-1:0]  wr_addr,
    input  wire [WORD_WIDTH-1:0] wr_data
);
  localparam integer SETS = 1 << SETS_LOG2;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (SETS_LOG2 < 1 || SETS_LOG2 > 24)
      $error("v6lb_flow_mem: SETS_LOG2 = %0d, must be 1..24", SETS_LOG2);
    if (WORD_WIDTH < 1)
      $error("v6lb_flow_mem: WORD_WIDTH = %0d, must be at least 1", WORD_WIDTH);
  end

  logic [WORD_WIDTH-1:0] mem[SETS];
  logic [WORD_WIDTH-1:0] mem_q;
  logic                  byp_we, byp_same;
  logic [WORD_WIDTH-1:0] byp_data;

  // The bypass decision is registered in two halves (a write happened; it named the set being
  // read) and combined in the read-data mux, so neither the late write enable nor the address
  // compare is in series with anything else.
  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_addr] <= wr_data;
    if (rd_en) begin
      mem_q <= mem[rd_addr];
      byp_we <= wr_en;
      byp_same <= wr_addr == rd_addr;
      byp_data <= wr_data;
    end
  end

  assign rd_q = mem_q;
  assign rd_wdata = byp_data;
  assign rd_byp = byp_we && byp_same;
  assign rd_data = rd_byp ? byp_data : mem_q;
endmodule
