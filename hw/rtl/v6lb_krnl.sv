// v6lb_krnl: the Vitis RTL kernel around v6lb_top (free running, ap_ctrl_none).
//
//   rx_axis  (from the CMAC kernel, ap_clk) -> register slice -> v6lb_top -> register slice -> tx_axis
//                                                                        \-> register slice -> punt_axis
//   s_axi_control (AXI4-Lite, 64 KiB)  -> v6lb_top's register block (hw/regs/v6lb_regs.yaml)
//
// Everything runs on ap_clk; the clock-domain crossing to the CMAC's 322 MHz clock is in the
// CMAC kernel (hw/vitis/cmac/v6lb_cmac_krnl.sv). Port names follow the Vitis RTL-kernel
// convention (UG1393): the interface prefix (s_axi_control, rx_axis, tx_axis, punt_axis) is the
// kernel.xml port name that hw/regs/gen_regs.py emits, and v++ stream_connect uses.
//
// ap_rst_n is active low and synchronous to ap_clk; it is registered twice here and the pipeline
// sees an active-high reset. The register slices (v6lb_skid_buffer) cut every stream path at the
// kernel boundary, so the routes to and from the CMAC kernel and the punt DMA are register to
// register. CTRL.TICK_EXT (simulation time) has no source on the card: now_tick is 0.
// The kernel's streams carry no tuser (kernel.xml says ap_axiu<512,0,0,0>): the CMAC kernel
// drops frames with a bad FCS before they get here.
module v6lb_krnl #(
    parameter integer DATA_WIDTH = 512,
    parameter integer KEEP_WIDTH = DATA_WIDTH / 8,
    parameter integer N_SERVICES = 64,
    parameter integer N_BACKENDS = 1024,
    parameter integer MAGLEV_M = 65537,
    parameter integer FLOW_SETS_LOG2 = 14,
    parameter integer WINDOW_BYTES = 256,
    parameter integer MAX_FRAME = 10240
) (
    input  wire                  ap_clk,
    input  wire                  ap_rst_n,

    input  wire                  s_axi_control_awvalid,
    output wire                  s_axi_control_awready,
    input  wire [15:0]           s_axi_control_awaddr,
    input  wire                  s_axi_control_wvalid,
    output wire                  s_axi_control_wready,
    input  wire [31:0]           s_axi_control_wdata,
    input  wire [3:0]            s_axi_control_wstrb,
    output wire                  s_axi_control_bvalid,
    input  wire                  s_axi_control_bready,
    output wire [1:0]            s_axi_control_bresp,
    input  wire                  s_axi_control_arvalid,
    output wire                  s_axi_control_arready,
    input  wire [15:0]           s_axi_control_araddr,
    output wire                  s_axi_control_rvalid,
    input  wire                  s_axi_control_rready,
    output wire [31:0]           s_axi_control_rdata,
    output wire [1:0]            s_axi_control_rresp,

    input  wire [DATA_WIDTH-1:0] rx_axis_tdata,
    input  wire [KEEP_WIDTH-1:0] rx_axis_tkeep,
    input  wire                  rx_axis_tvalid,
    output wire                  rx_axis_tready,
    input  wire                  rx_axis_tlast,

    output wire [DATA_WIDTH-1:0] tx_axis_tdata,
    output wire [KEEP_WIDTH-1:0] tx_axis_tkeep,
    output wire                  tx_axis_tvalid,
    input  wire                  tx_axis_tready,
    output wire                  tx_axis_tlast,

    output wire [DATA_WIDTH-1:0] punt_axis_tdata,
    output wire [KEEP_WIDTH-1:0] punt_axis_tkeep,
    output wire                  punt_axis_tvalid,
    input  wire                  punt_axis_tready,
    output wire                  punt_axis_tlast
);
  localparam integer SW = DATA_WIDTH + KEEP_WIDTH + 1;  // {tlast, tkeep, tdata}

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (KEEP_WIDTH * 8 != DATA_WIDTH)
      $error("v6lb_krnl: KEEP_WIDTH = %0d, must be DATA_WIDTH / 8", KEEP_WIDTH);
  end

  // ---------------------------------------------------------------- reset
  logic rst_n_q, rst;
  always_ff @(posedge ap_clk) begin
    rst_n_q <= ap_rst_n;
    rst <= !rst_n_q;
  end

  // ---------------------------------------------------------------- rx register slice
  wire [DATA_WIDTH-1:0] in_tdata;
  wire [KEEP_WIDTH-1:0] in_tkeep;
  wire                  in_tvalid, in_tready, in_tlast;
  v6lb_skid_buffer #(.WIDTH(SW)) rx_slice (
      .clk(ap_clk), .rst(rst),
      .in_valid(rx_axis_tvalid), .in_data({rx_axis_tlast, rx_axis_tkeep, rx_axis_tdata}),
      .in_ready(rx_axis_tready),
      .out_valid(in_tvalid), .out_data({in_tlast, in_tkeep, in_tdata}), .out_ready(in_tready));

  // ---------------------------------------------------------------- the pipeline
  wire [DATA_WIDTH-1:0] out_tdata, punt_tdata;
  wire [KEEP_WIDTH-1:0] out_tkeep, punt_tkeep;
  wire                  out_tvalid, out_tready, out_tlast;
  wire                  punt_tvalid, punt_tready, punt_tlast;
  // The streams carry no tuser, and the card has no use for the verdict pulses.
  // verilator lint_off UNUSEDSIGNAL
  wire                  out_tuser, punt_tuser, verdict_valid;
  wire [1:0]            verdict;
  // verilator lint_on UNUSEDSIGNAL

  v6lb_top #(
      .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .N_SERVICES(N_SERVICES),
      .N_BACKENDS(N_BACKENDS), .MAGLEV_M(MAGLEV_M), .FLOW_SETS_LOG2(FLOW_SETS_LOG2),
      .WINDOW_BYTES(WINDOW_BYTES), .MAX_FRAME(MAX_FRAME)
  ) pipeline (
      .clk(ap_clk), .rst(rst), .now_tick(32'd0),
      .s_axis_tdata(in_tdata), .s_axis_tkeep(in_tkeep), .s_axis_tvalid(in_tvalid),
      .s_axis_tready(in_tready), .s_axis_tlast(in_tlast), .s_axis_tuser(1'b0),
      .m_axis_tdata(out_tdata), .m_axis_tkeep(out_tkeep), .m_axis_tvalid(out_tvalid),
      .m_axis_tready(out_tready), .m_axis_tlast(out_tlast), .m_axis_tuser(out_tuser),
      .m_axis_punt_tdata(punt_tdata), .m_axis_punt_tkeep(punt_tkeep),
      .m_axis_punt_tvalid(punt_tvalid), .m_axis_punt_tready(punt_tready),
      .m_axis_punt_tlast(punt_tlast), .m_axis_punt_tuser(punt_tuser),
      .m_verdict_valid(verdict_valid), .m_verdict(verdict),
      .s_axil_awaddr(s_axi_control_awaddr), .s_axil_awprot(3'b000),
      .s_axil_awvalid(s_axi_control_awvalid), .s_axil_awready(s_axi_control_awready),
      .s_axil_wdata(s_axi_control_wdata), .s_axil_wstrb(s_axi_control_wstrb),
      .s_axil_wvalid(s_axi_control_wvalid), .s_axil_wready(s_axi_control_wready),
      .s_axil_bresp(s_axi_control_bresp), .s_axil_bvalid(s_axi_control_bvalid),
      .s_axil_bready(s_axi_control_bready),
      .s_axil_araddr(s_axi_control_araddr), .s_axil_arprot(3'b000),
      .s_axil_arvalid(s_axi_control_arvalid), .s_axil_arready(s_axi_control_arready),
      .s_axil_rdata(s_axi_control_rdata), .s_axil_rresp(s_axi_control_rresp),
      .s_axil_rvalid(s_axi_control_rvalid), .s_axil_rready(s_axi_control_rready));

  // ---------------------------------------------------------------- tx and punt register slices
  v6lb_skid_buffer #(.WIDTH(SW)) tx_slice (
      .clk(ap_clk), .rst(rst),
      .in_valid(out_tvalid), .in_data({out_tlast, out_tkeep, out_tdata}), .in_ready(out_tready),
      .out_valid(tx_axis_tvalid), .out_data({tx_axis_tlast, tx_axis_tkeep, tx_axis_tdata}),
      .out_ready(tx_axis_tready));

  v6lb_skid_buffer #(.WIDTH(SW)) punt_slice (
      .clk(ap_clk), .rst(rst),
      .in_valid(punt_tvalid), .in_data({punt_tlast, punt_tkeep, punt_tdata}),
      .in_ready(punt_tready),
      .out_valid(punt_axis_tvalid), .out_data({punt_axis_tlast, punt_axis_tkeep, punt_axis_tdata}),
      .out_ready(punt_axis_tready));
endmodule
