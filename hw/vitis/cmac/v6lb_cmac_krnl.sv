// v6lb_cmac_krnl: the 100G Ethernet port as a Vitis RTL kernel (free running, ap_ctrl_none).
// check_literals: off (ctrl here is the CMAC kernel's CTRL, v6lb_cmac_regs.sv, not v6lb_regs.yaml's)
//
//   QSFP28 <-> cmac_usplus (v6lb_cmac_usplus, 322.265625 MHz user clock gt_txusrclk2)
//     RX: rx_axis of the MAC --> v6lb_axis_async_fifo (store and forward, drops bad-FCS frames and
//         frames that find it full: the MAC receiver cannot be stalled) --> rx_axis (ap_clk)
//     TX: tx_axis (ap_clk) --> v6lb_axis_async_fifo (store and forward, backpressure: a frame
//         starts toward the MAC only when it is whole, so the MAC never underruns) --> MAC
//   s_axi_control (ap_clk): v6lb_cmac_regs (link status, RS-FEC/loopback/reset, frame counters)
//
// The MAC is configured without its AXI4-Lite block (ENABLE_AXI_INTERFACE 0, see
// hw/vitis/package_cmac.tcl) and brought up by this RTL: receive enabled, remote fault indication
// sent until the receiver is aligned, then transmit enabled (the bring-up sequence of PG203).
// Per-board GT quad and reference clock are IP settings (hw/boards/<board>.mk); this file is the
// same for every board. `clk_gt_freerun` is the platform's free-running clock (init/DRP clock).
// For lint here, hw/lint/cmac_usplus_stub.sv stands in for the IP (it is not the IP).
module v6lb_cmac_krnl #(
    parameter integer FIFO_DEPTH_LOG2 = 9   // 512 beats of 64 B: a 10,240-byte frame fits 3x
) (
    input  wire         ap_clk,
    input  wire         ap_rst_n,
    input  wire         clk_gt_freerun,

    input  wire         gt_refclk_p,
    input  wire         gt_refclk_n,
    input  wire [3:0]   gt_rxp_in,
    input  wire [3:0]   gt_rxn_in,
    output wire [3:0]   gt_txp_out,
    output wire [3:0]   gt_txn_out,

    input  wire         s_axi_control_awvalid,
    output wire         s_axi_control_awready,
    input  wire [11:0]  s_axi_control_awaddr,
    input  wire         s_axi_control_wvalid,
    output wire         s_axi_control_wready,
    input  wire [31:0]  s_axi_control_wdata,
    input  wire [3:0]   s_axi_control_wstrb,
    output wire         s_axi_control_bvalid,
    input  wire         s_axi_control_bready,
    output wire [1:0]   s_axi_control_bresp,
    input  wire         s_axi_control_arvalid,
    output wire         s_axi_control_arready,
    input  wire [11:0]  s_axi_control_araddr,
    output wire         s_axi_control_rvalid,
    input  wire         s_axi_control_rready,
    output wire [31:0]  s_axi_control_rdata,
    output wire [1:0]   s_axi_control_rresp,

    output wire [511:0] rx_axis_tdata,
    output wire [63:0]  rx_axis_tkeep,
    output wire         rx_axis_tvalid,
    input  wire         rx_axis_tready,
    output wire         rx_axis_tlast,

    input  wire [511:0] tx_axis_tdata,
    input  wire [63:0]  tx_axis_tkeep,
    input  wire         tx_axis_tvalid,
    output wire         tx_axis_tready,
    input  wire         tx_axis_tlast
);
  // ---------------------------------------------------------------- ap_clk domain: reset, regs

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (FIFO_DEPTH_LOG2 < 8 || FIFO_DEPTH_LOG2 > 16)
      $error("v6lb_cmac_krnl: FIFO_DEPTH_LOG2 = %0d, must be 8..16 (a maximal frame fits)", FIFO_DEPTH_LOG2);
  end
  logic rst_n_q, rst;
  always_ff @(posedge ap_clk) begin
    rst_n_q <= ap_rst_n;
    rst <= !rst_n_q;
  end

  wire        cmac_clk;            // gt_txusrclk2, 322.265625 MHz
  wire        usr_rx_reset, usr_tx_reset;
  wire        stat_rx_aligned, stat_rx_status;
  wire [3:0]  gt_powergood;
  wire [3:0]  ctrl;
  logic [31:0] rx_frames, tx_frames;
  wire [31:0]  rx_drops;

  // status bits from the MAC's domain: quasi-static levels, two-flop synchronisers
  (* ASYNC_REG = "TRUE" *) logic [3:0] status_s1, status_s2;
  (* ASYNC_REG = "TRUE" *) logic [3:0] pg_s1, pg_s2;
  always_ff @(posedge ap_clk) begin
    status_s1 <= {!usr_rx_reset, !usr_tx_reset, stat_rx_status, stat_rx_aligned};
    status_s2 <= status_s1;
    pg_s1 <= gt_powergood;
    pg_s2 <= pg_s1;
  end

  v6lb_cmac_regs #(.ADDR_WIDTH(12)) regs (
      .clk(ap_clk), .rst(rst),
      .s_axil_awvalid(s_axi_control_awvalid), .s_axil_awready(s_axi_control_awready),
      .s_axil_awaddr(s_axi_control_awaddr), .s_axil_wvalid(s_axi_control_wvalid),
      .s_axil_wready(s_axi_control_wready), .s_axil_wdata(s_axi_control_wdata),
      .s_axil_wstrb(s_axi_control_wstrb), .s_axil_bvalid(s_axi_control_bvalid),
      .s_axil_bready(s_axi_control_bready), .s_axil_bresp(s_axi_control_bresp),
      .s_axil_arvalid(s_axi_control_arvalid), .s_axil_arready(s_axi_control_arready),
      .s_axil_araddr(s_axi_control_araddr), .s_axil_rvalid(s_axi_control_rvalid),
      .s_axil_rready(s_axi_control_rready), .s_axil_rdata(s_axi_control_rdata),
      .s_axil_rresp(s_axi_control_rresp),
      .status({pg_s2, status_s2}), .rx_frames(rx_frames), .rx_drops(rx_drops),
      .tx_frames(tx_frames), .ctrl(ctrl));

  wire ctrl_rsfec = ctrl[0];
  wire ctrl_loopback = ctrl[1];
  wire ctrl_reset = ctrl[2];
  wire ctrl_rx_enable = ctrl[3];

  // ---------------------------------------------------------------- MAC domain: resets, controls
  // The CDC FIFOs are reset by the kernel reset only (both sides together); the MAC's own resets
  // only gate its side. ap_rst_n is held by XRT for many kernel clocks, so both sides see it.
  (* ASYNC_REG = "TRUE" *) logic rst_c1, rst_c2;
  (* ASYNC_REG = "TRUE" *) logic [2:0] ctl_c1, ctl_c2;
  always_ff @(posedge cmac_clk) begin
    rst_c1 <= rst;
    rst_c2 <= rst_c1;
    ctl_c1 <= {ctrl_rx_enable, ctrl_rsfec, ctrl_loopback};
    ctl_c2 <= ctl_c1;
  end
  wire rx_enable_c = ctl_c2[2];
  wire rsfec_c = ctl_c2[1];
  wire loopback_c = ctl_c2[0];

  // PG203 bring-up: send remote fault indication until the receiver is aligned, then transmit.
  logic tx_enable_c, tx_send_rfi_c;
  always_ff @(posedge cmac_clk) begin
    if (usr_tx_reset) begin
      tx_enable_c <= 1'b0;
      tx_send_rfi_c <= 1'b1;
    end else begin
      tx_enable_c <= stat_rx_aligned;
      tx_send_rfi_c <= !stat_rx_aligned;
    end
  end

  // ---------------------------------------------------------------- the MAC
  wire         mac_rx_tvalid, mac_rx_tlast, mac_rx_tuser;
  wire [511:0] mac_rx_tdata;
  wire [63:0]  mac_rx_tkeep;
  wire         mac_tx_tvalid, mac_tx_tready, mac_tx_tlast, mac_tx_tuser;
  wire [511:0] mac_tx_tdata;
  wire [63:0]  mac_tx_tkeep;
  wire         sys_reset = rst || ctrl_reset;

  v6lb_cmac_usplus mac (
      .gt_ref_clk_p(gt_refclk_p), .gt_ref_clk_n(gt_refclk_n),
      .gt_rxp_in(gt_rxp_in), .gt_rxn_in(gt_rxn_in), .gt_txp_out(gt_txp_out), .gt_txn_out(gt_txn_out),
      .gt_txusrclk2(cmac_clk), .gt_powergoodout(gt_powergood),
      .gt_loopback_in({4{loopback_c ? 3'b010 : 3'b000}}),
      .init_clk(clk_gt_freerun), .sys_reset(sys_reset),
      .core_rx_reset(1'b0), .core_tx_reset(1'b0), .core_drp_reset(1'b0),
      .drp_clk(clk_gt_freerun), .drp_addr(10'd0), .drp_di(16'd0), .drp_en(1'b0), .drp_we(1'b0),
      .gtwiz_reset_tx_datapath(1'b0), .gtwiz_reset_rx_datapath(1'b0),
      .rx_clk(cmac_clk), .usr_rx_reset(usr_rx_reset), .usr_tx_reset(usr_tx_reset),
      .rx_axis_tvalid(mac_rx_tvalid), .rx_axis_tdata(mac_rx_tdata), .rx_axis_tkeep(mac_rx_tkeep),
      .rx_axis_tlast(mac_rx_tlast), .rx_axis_tuser(mac_rx_tuser),
      .tx_axis_tready(mac_tx_tready), .tx_axis_tvalid(mac_tx_tvalid), .tx_axis_tdata(mac_tx_tdata),
      .tx_axis_tkeep(mac_tx_tkeep), .tx_axis_tlast(mac_tx_tlast), .tx_axis_tuser(mac_tx_tuser),
      .tx_preamblein(56'd0),
      .stat_rx_aligned(stat_rx_aligned), .stat_rx_status(stat_rx_status),
      .ctl_rx_enable(rx_enable_c), .ctl_rx_force_resync(1'b0), .ctl_rx_test_pattern(1'b0),
      .ctl_tx_enable(tx_enable_c), .ctl_tx_send_idle(1'b0), .ctl_tx_send_rfi(tx_send_rfi_c),
      .ctl_tx_send_lfi(1'b0), .ctl_tx_test_pattern(1'b0),
      .ctl_rsfec_ieee_error_indication_mode(1'b0), .ctl_rx_rsfec_enable(rsfec_c),
      .ctl_rx_rsfec_enable_correction(rsfec_c), .ctl_rx_rsfec_enable_indication(rsfec_c),
      .ctl_tx_rsfec_enable(rsfec_c));

  // ---------------------------------------------------------------- RX: MAC -> kernel clock
  wire rx_drop_c;
  // Unused by design: the RX FIFO never stalls (DROP_WHEN_FULL) and passes no bad frames, the TX
  // FIFO never drops.
  /* verilator lint_off UNUSEDSIGNAL */
  wire rx_fifo_ready_unused, rx_fifo_tuser_unused, tx_fifo_drop_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  v6lb_axis_async_fifo #(
      .DATA_WIDTH(512), .KEEP_WIDTH(64), .DEPTH_LOG2(FIFO_DEPTH_LOG2),
      .FRAME_FIFO(1), .DROP_BAD_FRAME(1), .DROP_WHEN_FULL(1)
  ) rx_fifo (
      .s_clk(cmac_clk), .s_rst(rst_c2),
      .s_axis_tdata(mac_rx_tdata), .s_axis_tkeep(mac_rx_tkeep),
      .s_axis_tvalid(mac_rx_tvalid && !usr_rx_reset), .s_axis_tready(rx_fifo_ready_unused),
      .s_axis_tlast(mac_rx_tlast), .s_axis_tuser(mac_rx_tuser), .s_drop(rx_drop_c),
      .m_clk(ap_clk), .m_rst(rst),
      .m_axis_tdata(rx_axis_tdata), .m_axis_tkeep(rx_axis_tkeep), .m_axis_tvalid(rx_axis_tvalid),
      .m_axis_tready(rx_axis_tready), .m_axis_tlast(rx_axis_tlast), .m_axis_tuser(rx_fifo_tuser_unused));

  // ---------------------------------------------------------------- TX: kernel clock -> MAC
  v6lb_axis_async_fifo #(
      .DATA_WIDTH(512), .KEEP_WIDTH(64), .DEPTH_LOG2(FIFO_DEPTH_LOG2),
      .FRAME_FIFO(1), .DROP_BAD_FRAME(0), .DROP_WHEN_FULL(0)
  ) tx_fifo (
      .s_clk(ap_clk), .s_rst(rst),
      .s_axis_tdata(tx_axis_tdata), .s_axis_tkeep(tx_axis_tkeep), .s_axis_tvalid(tx_axis_tvalid),
      .s_axis_tready(tx_axis_tready), .s_axis_tlast(tx_axis_tlast), .s_axis_tuser(1'b0),
      .s_drop(tx_fifo_drop_unused),
      .m_clk(cmac_clk), .m_rst(rst_c2),
      .m_axis_tdata(mac_tx_tdata), .m_axis_tkeep(mac_tx_tkeep), .m_axis_tvalid(mac_tx_tvalid),
      .m_axis_tready(mac_tx_tready), .m_axis_tlast(mac_tx_tlast), .m_axis_tuser(mac_tx_tuser));

  // ---------------------------------------------------------------- counters
  // Drops happen in the MAC's domain: a binary count there, its gray code registered (one bit
  // changes per increment) and synchronised into ap_clk, then converted back.
  logic [31:0] drops_c, drops_gray_c;
  always_ff @(posedge cmac_clk) begin
    if (rst_c2) begin
      drops_c <= 32'd0;
      drops_gray_c <= 32'd0;
    end else begin
      if (rx_drop_c) drops_c <= drops_c + 32'd1;
      drops_gray_c <= drops_c ^ (drops_c >> 1);
    end
  end
  (* ASYNC_REG = "TRUE" *) logic [31:0] drops_g1, drops_g2;
  always_ff @(posedge ap_clk) begin
    drops_g1 <= drops_gray_c;
    drops_g2 <= drops_g1;
  end
  function [31:0] gray2bin32(input [31:0] g);
    integer i;
    gray2bin32[31] = g[31];
    for (i = 30; i >= 0; i = i - 1) gray2bin32[i] = gray2bin32[i + 1] ^ g[i];
  endfunction
  assign rx_drops = gray2bin32(drops_g2);

  always_ff @(posedge ap_clk) begin
    if (rst) begin
      rx_frames <= 32'd0;
      tx_frames <= 32'd0;
    end else begin
      if (rx_axis_tvalid && rx_axis_tready && rx_axis_tlast) rx_frames <= rx_frames + 32'd1;
      if (tx_axis_tvalid && tx_axis_tready && tx_axis_tlast) tx_frames <= tx_frames + 32'd1;
    end
  end
endmodule
