// Two-entry skid buffer: registers valid/data toward the sink and keeps `in_ready` a register,
// so neither path is combinational across it, at one beat per clock.
module v6lb_skid_buffer #(
    parameter integer WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             in_valid,
    input  wire [WIDTH-1:0] in_data,
    output logic            in_ready,
    output logic            out_valid,
    output logic [WIDTH-1:0] out_data,
    input  wire             out_ready
);
  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (WIDTH < 1)
      $error("v6lb_skid_buffer: WIDTH = %0d, must be at least 1", WIDTH);
  end

  logic             skid_valid;
  logic [WIDTH-1:0] skid_data;

  always_ff @(posedge clk) begin
    if (rst) begin
      in_ready <= 1'b1;
      out_valid <= 1'b0;
      skid_valid <= 1'b0;
    end else begin
      if (out_ready || !out_valid) begin
        // The output register takes the skid entry first, else the input.
        if (skid_valid) begin
          out_valid <= 1'b1;
          out_data <= skid_data;
          skid_valid <= 1'b0;
        end else begin
          out_valid <= in_valid && in_ready;
          if (in_valid && in_ready) out_data <= in_data;
        end
        in_ready <= 1'b1;
      end else if (in_valid && in_ready) begin
        // Output stalled: park this beat, stop accepting until it drains.
        skid_valid <= 1'b1;
        skid_data <= in_data;
        in_ready <= 1'b0;
      end
    end
  end
endmodule
