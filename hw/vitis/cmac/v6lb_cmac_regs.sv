// v6lb_cmac_regs: the CMAC kernel's AXI4-Lite registers (ap_clk domain). Small on purpose: link
// state, the few controls the card needs, and frame counters. The register list is mirrored in
// hw/vitis/cmac/kernel.xml (hw/scripts/check_hw.py compares the offsets below with it).
// check_literals: off (this is the CMAC kernel's own register map, not v6lb_regs.yaml's)
//
//   0x000 ID         ro  0x636D6163 ("cmac")
//   0x004 STATUS     ro  [0] rx aligned, [1] rx status (link up), [2] tx out of reset,
//                        [3] rx out of reset, [7:4] GT power good (one bit per lane)
//   0x008 CTRL       rw  [0] RS-FEC on (reset 1), [1] near-end PMA loopback (reset 0),
//                        [2] hold the CMAC in reset (reset 0), [3] receive enable (reset 1)
//   0x010 RX_FRAMES  ro  frames handed to the pipeline (wraps)
//   0x014 RX_DROPS   ro  frames dropped on receive: bad FCS or the CDC FIFO full (wraps)
//   0x018 TX_FRAMES  ro  frames taken from the pipeline for transmission (wraps)
// Other addresses read 0 and answer OKAY; writes to read-only registers are ignored. Address
// bits 1:0 and the unused write-data bits are ignored by design.
module v6lb_cmac_regs #(
    parameter integer ADDR_WIDTH = 12
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  s_axil_awvalid,
    output logic                 s_axil_awready,
    input  wire [ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire                  s_axil_wvalid,
    output logic                 s_axil_wready,
    input  wire [31:0]           s_axil_wdata,
    input  wire [3:0]            s_axil_wstrb,
    output logic                 s_axil_bvalid,
    input  wire                  s_axil_bready,
    output wire [1:0]            s_axil_bresp,
    input  wire                  s_axil_arvalid,
    output logic                 s_axil_arready,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [ADDR_WIDTH-1:0] s_axil_araddr,  // bits 1:0 ignored
    // verilator lint_on UNUSEDSIGNAL
    output logic                 s_axil_rvalid,
    input  wire                  s_axil_rready,
    output logic [31:0]          s_axil_rdata,
    output wire [1:0]            s_axil_rresp,

    input  wire [7:0]            status,
    input  wire [31:0]           rx_frames,
    input  wire [31:0]           rx_drops,
    input  wire [31:0]           tx_frames,
    output logic [3:0]           ctrl
);
  localparam [ADDR_WIDTH-1:0] ADDR_ID = 'h000, ADDR_STATUS = 'h004, ADDR_CTRL = 'h008,
                              ADDR_RX_FRAMES = 'h010, ADDR_RX_DROPS = 'h014, ADDR_TX_FRAMES = 'h018;
  localparam [31:0] ID_VALUE = 32'h636D6163;
  localparam [3:0] CTRL_RESET = 4'b1001;

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (ADDR_WIDTH < 5 || ADDR_WIDTH > 32)
      $error("v6lb_cmac_regs: ADDR_WIDTH = %0d, must be 5..32 (registers up to 0x018)", ADDR_WIDTH);
  end

  assign s_axil_bresp = 2'b00;
  assign s_axil_rresp = 2'b00;

  // Write: take address and data (in either order or together), then answer.
  logic                  aw_have, w_have;
  // Address bits 1:0, and write data and strobes beyond CTRL's byte, are ignored.
  // verilator lint_off UNUSEDSIGNAL
  logic [ADDR_WIDTH-1:0] aw_addr;
  logic [31:0]           w_data;
  logic [3:0]            w_strb;
  // verilator lint_on UNUSEDSIGNAL
  always_ff @(posedge clk) begin
    if (rst) begin
      aw_have <= 1'b0;
      w_have <= 1'b0;
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      s_axil_bvalid <= 1'b0;
      ctrl <= CTRL_RESET;
    end else begin
      s_axil_awready <= 1'b0;
      s_axil_wready <= 1'b0;
      if (s_axil_awvalid && !aw_have && !s_axil_awready && !s_axil_bvalid) begin
        s_axil_awready <= 1'b1;
        aw_have <= 1'b1;
        aw_addr <= s_axil_awaddr;
      end
      if (s_axil_wvalid && !w_have && !s_axil_wready && !s_axil_bvalid) begin
        s_axil_wready <= 1'b1;
        w_have <= 1'b1;
        w_data <= s_axil_wdata;
        w_strb <= s_axil_wstrb;
      end
      if (aw_have && w_have && !s_axil_bvalid) begin
        if (aw_addr[ADDR_WIDTH-1:2] == ADDR_CTRL[ADDR_WIDTH-1:2] && w_strb[0]) ctrl <= w_data[3:0];
        s_axil_bvalid <= 1'b1;
        aw_have <= 1'b0;
        w_have <= 1'b0;
      end
      if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 1'b0;
    end
  end

  // Read: one at a time.
  always_ff @(posedge clk) begin
    if (rst) begin
      s_axil_arready <= 1'b0;
      s_axil_rvalid <= 1'b0;
      s_axil_rdata <= 32'd0;
    end else begin
      s_axil_arready <= 1'b0;
      if (s_axil_arvalid && !s_axil_arready && !s_axil_rvalid) begin
        s_axil_arready <= 1'b1;
        s_axil_rvalid <= 1'b1;
        case ({s_axil_araddr[ADDR_WIDTH-1:2], 2'b00})
          ADDR_ID:        s_axil_rdata <= ID_VALUE;
          ADDR_STATUS:    s_axil_rdata <= {24'd0, status};
          ADDR_CTRL:      s_axil_rdata <= {28'd0, ctrl};
          ADDR_RX_FRAMES: s_axil_rdata <= rx_frames;
          ADDR_RX_DROPS:  s_axil_rdata <= rx_drops;
          ADDR_TX_FRAMES: s_axil_rdata <= tx_frames;
          default:        s_axil_rdata <= 32'd0;
        endcase
      end else if (s_axil_rvalid && s_axil_rready) begin
        s_axil_rvalid <= 1'b0;
      end
    end
  end
endmodule
