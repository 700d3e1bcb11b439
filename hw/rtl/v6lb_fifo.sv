// Synchronous first-word-fall-through FIFO: `out_data` shows the head while `out_valid`.
// Used for whole beats of held packets and for per-packet verdicts.
module v6lb_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH_LOG2 = 4
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             in_valid,
    input  wire [WIDTH-1:0] in_data,
    output wire             in_ready,
    output wire             out_valid,
    output wire [WIDTH-1:0] out_data,
    input  wire             out_ready,
    output wire [DEPTH_LOG2:0] count
);
  localparam integer DEPTH = 1 << DEPTH_LOG2;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (WIDTH < 1)
      $error("v6lb_fifo: WIDTH = %0d, must be at least 1", WIDTH);
    if (DEPTH_LOG2 < 1 || DEPTH_LOG2 > 20)
      $error("v6lb_fifo: DEPTH_LOG2 = %0d, must be 1..20", DEPTH_LOG2);
  end

  logic [WIDTH-1:0] mem[DEPTH];
  logic [DEPTH_LOG2:0] wr_ptr, rd_ptr;

  wire full = (wr_ptr[DEPTH_LOG2-1:0] == rd_ptr[DEPTH_LOG2-1:0]) &&
              (wr_ptr[DEPTH_LOG2] != rd_ptr[DEPTH_LOG2]);
  wire empty = wr_ptr == rd_ptr;
  wire push = in_valid && !full;
  wire pop = out_ready && !empty;

  assign in_ready = !full;
  assign out_valid = !empty;
  assign out_data = mem[rd_ptr[DEPTH_LOG2-1:0]];
  assign count = wr_ptr - rd_ptr;

  always_ff @(posedge clk) begin
    if (push) mem[wr_ptr[DEPTH_LOG2-1:0]] <= in_data;
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
    end else begin
      if (push) wr_ptr <= wr_ptr + 1'b1;
      if (pop) rd_ptr <= rd_ptr + 1'b1;
    end
  end

`ifndef SYNTHESIS
  // Pointer invariant (Verilator --assert, Icarus): never more than DEPTH entries.
  always @(posedge clk) begin
    if (!rst)
      assert (count <= DEPTH[DEPTH_LOG2:0]) else $error("v6lb_fifo: %0d entries in a FIFO of %0d", count, DEPTH);
  end
`endif
endmodule
