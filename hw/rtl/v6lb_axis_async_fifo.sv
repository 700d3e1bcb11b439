// Asynchronous AXI-Stream FIFO: carries a stream from the s_clk domain to the m_clk domain.
//
// Gray-coded pointers cross the domains through two-flop synchronisers (ASYNC_REG), so only one
// bit of a crossing pointer changes per write or read and the far side sees either the old or the
// new value, never a mix. Full and empty compare gray codes directly (no conversion back to
// binary), which keeps the flag logic a few LUTs deep. The memory is written in s_clk and read (registered) in m_clk: a simple
// dual-port RAM (BRAM/URAM in the card build). One beat per clock on both sides.
//
// FRAME_FIFO = 1 (store and forward): the read side only ever sees complete frames. The write
// pointer the read side is given advances at a frame's last beat; a frame is never started at
// the output before it is whole, so a MAC transmitter fed from it can never underrun mid-frame.
//   DROP_BAD_FRAME = 1: a frame whose last beat has tuser set is discarded (the MAC flagged it).
//   DROP_WHEN_FULL = 1: s_axis_tready is always 1 (a MAC receiver cannot be stalled); a frame
//     that finds the FIFO full is discarded whole (the rest of it is swallowed up to tlast).
//   DROP_WHEN_FULL = 0: backpressure; DEPTH must hold the longest frame or the FIFO deadlocks.
// s_drop pulses (s_clk) once per discarded frame. DEPTH_LOG2 >= 2.
//
// Resets: s_rst and m_rst are synchronous, active high, each in its own domain, and must be
// asserted together (derived from one source) and held for a few clocks of the slower domain.
module v6lb_axis_async_fifo #(
    parameter integer DATA_WIDTH = 512,
    parameter integer KEEP_WIDTH = DATA_WIDTH / 8,
    parameter integer DEPTH_LOG2 = 9,
    parameter integer FRAME_FIFO = 1,
    parameter integer DROP_BAD_FRAME = 1,
    parameter integer DROP_WHEN_FULL = 0
) (
    input  wire                  s_clk,
    input  wire                  s_rst,
    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,
    input  wire                  s_axis_tuser,
    output logic                 s_drop,

    input  wire                  m_clk,
    input  wire                  m_rst,
    output logic [DATA_WIDTH-1:0] m_axis_tdata,
    output logic [KEEP_WIDTH-1:0] m_axis_tkeep,
    output logic                 m_axis_tvalid,
    input  wire                  m_axis_tready,
    output logic                 m_axis_tlast,
    output logic                 m_axis_tuser
);
  localparam integer DEPTH = 1 << DEPTH_LOG2;
  localparam integer PW = DEPTH_LOG2 + 1;  // pointers carry one wrap bit
  localparam integer WIDTH = DATA_WIDTH + KEEP_WIDTH + 2;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (DATA_WIDTH < 8 || KEEP_WIDTH * 8 != DATA_WIDTH)
      $error("v6lb_axis_async_fifo: DATA_WIDTH = %0d needs KEEP_WIDTH = DATA_WIDTH / 8", DATA_WIDTH);
    if (DEPTH_LOG2 < 2 || DEPTH_LOG2 > 16)
      $error("v6lb_axis_async_fifo: DEPTH_LOG2 = %0d, must be 2..16", DEPTH_LOG2);
    if (FRAME_FIFO < 0 || FRAME_FIFO > 1 || DROP_BAD_FRAME < 0 || DROP_BAD_FRAME > 1 || DROP_WHEN_FULL < 0 || DROP_WHEN_FULL > 1)
      $error("v6lb_axis_async_fifo: FRAME_FIFO, DROP_BAD_FRAME and DROP_WHEN_FULL are 0 or 1 (got %0d)", FRAME_FIFO * 100 + DROP_BAD_FRAME * 10 + DROP_WHEN_FULL);
    if ((DROP_BAD_FRAME != 0 || DROP_WHEN_FULL != 0) && FRAME_FIFO == 0)
      $error("v6lb_axis_async_fifo: DROP_BAD_FRAME / DROP_WHEN_FULL need FRAME_FIFO = 1 (FRAME_FIFO = %0d)", FRAME_FIFO);
  end

  function [PW-1:0] bin2gray(input [PW-1:0] b);
    bin2gray = b ^ (b >> 1);
  endfunction

  logic [WIDTH-1:0] mem[DEPTH];

  // ---------------------------------------------------------------- write side (s_clk)
  logic [PW-1:0] wr_ptr;         // next slot to write (speculative within a frame)
  logic [PW-1:0] wr_ptr_g;       // bin2gray(wr_ptr)
  logic [PW-1:0] wr_commit;      // end of the last whole frame (= wr_ptr when not FRAME_FIFO)
  logic [PW-1:0] wr_gray;        // gray(wr_commit), registered: the only thing m_clk sees
  (* ASYNC_REG = "TRUE" *) logic [PW-1:0] rd_gray_s1, rd_gray_s2;
  logic [PW-1:0] rd_gray;        // driven from the read side
  logic          dropping;       // swallowing the rest of a discarded frame

  // wr_ptr - rd_ptr == DEPTH, in gray code: equal except the two top bits, which differ.
  wire          full = wr_ptr_g == {~rd_gray_s2[PW-1:PW-2], rd_gray_s2[PW-3:0]};
  assign s_axis_tready = (FRAME_FIFO != 0 && DROP_WHEN_FULL != 0) ? 1'b1 : !full;
  wire          beat = s_axis_tvalid && s_axis_tready;
  wire          store = beat && !dropping && !full;
  wire          bad = DROP_BAD_FRAME != 0 && s_axis_tuser;

  always_ff @(posedge s_clk) begin
    if (store) mem[wr_ptr[DEPTH_LOG2-1:0]] <= {s_axis_tuser, s_axis_tlast, s_axis_tkeep, s_axis_tdata};
  end

  // Next write pointer and commit point.
  logic [PW-1:0] wr_ptr_nx, wr_commit_nx;
  logic          dropping_nx, drop_nx;
  always_comb begin
    wr_ptr_nx = wr_ptr;
    wr_commit_nx = wr_commit;
    dropping_nx = dropping;
    drop_nx = 1'b0;
    if (FRAME_FIFO == 0) begin
      if (store) begin
        wr_ptr_nx = wr_ptr + 1'b1;
        wr_commit_nx = wr_ptr + 1'b1;
      end
    end else if (beat) begin
      if (dropping) begin
        if (s_axis_tlast) dropping_nx = 1'b0;
      end else if (full) begin
        // Only reachable with DROP_WHEN_FULL: discard the frame so far and the rest of it.
        wr_ptr_nx = wr_commit;
        dropping_nx = !s_axis_tlast;
        drop_nx = 1'b1;
      end else if (s_axis_tlast && bad) begin
        wr_ptr_nx = wr_commit;
        drop_nx = 1'b1;
      end else if (s_axis_tlast) begin
        wr_ptr_nx = wr_ptr + 1'b1;
        wr_commit_nx = wr_ptr + 1'b1;
      end else begin
        wr_ptr_nx = wr_ptr + 1'b1;
      end
    end
  end

  always_ff @(posedge s_clk) begin
    if (s_rst) begin
      wr_ptr <= {PW{1'b0}};
      wr_ptr_g <= {PW{1'b0}};
      wr_commit <= {PW{1'b0}};
      wr_gray <= {PW{1'b0}};
      rd_gray_s1 <= {PW{1'b0}};
      rd_gray_s2 <= {PW{1'b0}};
      dropping <= 1'b0;
      s_drop <= 1'b0;
    end else begin
      rd_gray_s1 <= rd_gray;
      rd_gray_s2 <= rd_gray_s1;
      wr_gray <= bin2gray(wr_commit);
      wr_ptr <= wr_ptr_nx;
      wr_ptr_g <= bin2gray(wr_ptr_nx);
      wr_commit <= wr_commit_nx;
      dropping <= dropping_nx;
      s_drop <= drop_nx;
    end
  end

  // ---------------------------------------------------------------- read side (m_clk)
  logic [PW-1:0] rd_ptr;
  (* ASYNC_REG = "TRUE" *) logic [PW-1:0] wr_gray_s1, wr_gray_s2;
  wire          empty = rd_gray == wr_gray_s2;   // rd_gray is bin2gray(rd_ptr)
  wire          load = !empty && (!m_axis_tvalid || m_axis_tready);

  // Registered read: the output register is the RAM's output register.
  always_ff @(posedge m_clk) begin
    if (load) {m_axis_tuser, m_axis_tlast, m_axis_tkeep, m_axis_tdata} <= mem[rd_ptr[DEPTH_LOG2-1:0]];
  end

  always_ff @(posedge m_clk) begin
    if (m_rst) begin
      rd_ptr <= {PW{1'b0}};
      rd_gray <= {PW{1'b0}};
      wr_gray_s1 <= {PW{1'b0}};
      wr_gray_s2 <= {PW{1'b0}};
      m_axis_tvalid <= 1'b0;
    end else begin
      wr_gray_s1 <= wr_gray;
      wr_gray_s2 <= wr_gray_s1;
      if (load) begin
        rd_ptr <= rd_ptr + 1'b1;
        rd_gray <= bin2gray(rd_ptr + 1'b1);
        m_axis_tvalid <= 1'b1;
      end else if (m_axis_tready) begin
        m_axis_tvalid <= 1'b0;
      end
    end
  end
endmodule
