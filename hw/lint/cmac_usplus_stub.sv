// LINT/SIMULATION STUB ONLY -- NOT the Xilinx cmac_usplus IP and nothing like it.
//
// The card build instantiates the real 100G Ethernet MAC (Xilinx cmac_usplus, created per board
// by hw/vitis/package_cmac.tcl with create_ip -module_name v6lb_cmac_usplus). That IP only exists
// inside Vivado. This empty module has the same name and the subset of ports
// hw/vitis/cmac/v6lb_cmac_krnl.sv connects, so Verilator, Icarus and yosys can read the CMAC
// kernel here; it drives every output to a constant. It is never part of any hardware build:
// the Vivado flow does not read hw/lint/.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off DECLFILENAME */
module v6lb_cmac_usplus (
    input  wire         gt_ref_clk_p,
    input  wire         gt_ref_clk_n,
    input  wire [3:0]   gt_rxp_in,
    input  wire [3:0]   gt_rxn_in,
    output wire [3:0]   gt_txp_out,
    output wire [3:0]   gt_txn_out,
    output wire         gt_txusrclk2,
    output wire [3:0]   gt_powergoodout,
    input  wire [11:0]  gt_loopback_in,
    input  wire         init_clk,
    input  wire         sys_reset,
    input  wire         core_rx_reset,
    input  wire         core_tx_reset,
    input  wire         core_drp_reset,
    input  wire         drp_clk,
    input  wire [9:0]   drp_addr,
    input  wire [15:0]  drp_di,
    input  wire         drp_en,
    input  wire         drp_we,
    input  wire         gtwiz_reset_tx_datapath,
    input  wire         gtwiz_reset_rx_datapath,
    input  wire         rx_clk,
    output wire         usr_rx_reset,
    output wire         usr_tx_reset,
    output wire         rx_axis_tvalid,
    output wire [511:0] rx_axis_tdata,
    output wire [63:0]  rx_axis_tkeep,
    output wire         rx_axis_tlast,
    output wire         rx_axis_tuser,
    output wire         tx_axis_tready,
    input  wire         tx_axis_tvalid,
    input  wire [511:0] tx_axis_tdata,
    input  wire [63:0]  tx_axis_tkeep,
    input  wire         tx_axis_tlast,
    input  wire         tx_axis_tuser,
    input  wire [55:0]  tx_preamblein,
    output wire         stat_rx_aligned,
    output wire         stat_rx_status,
    input  wire         ctl_rx_enable,
    input  wire         ctl_rx_force_resync,
    input  wire         ctl_rx_test_pattern,
    input  wire         ctl_tx_enable,
    input  wire         ctl_tx_send_idle,
    input  wire         ctl_tx_send_rfi,
    input  wire         ctl_tx_send_lfi,
    input  wire         ctl_tx_test_pattern,
    input  wire         ctl_rsfec_ieee_error_indication_mode,
    input  wire         ctl_rx_rsfec_enable,
    input  wire         ctl_rx_rsfec_enable_correction,
    input  wire         ctl_rx_rsfec_enable_indication,
    input  wire         ctl_tx_rsfec_enable
);
  assign gt_txp_out = 4'd0;
  assign gt_txn_out = 4'd0;
  assign gt_txusrclk2 = init_clk;
  assign gt_powergoodout = 4'd0;
  assign usr_rx_reset = 1'b1;
  assign usr_tx_reset = 1'b1;
  assign rx_axis_tvalid = 1'b0;
  assign rx_axis_tdata = 512'd0;
  assign rx_axis_tkeep = 64'd0;
  assign rx_axis_tlast = 1'b0;
  assign rx_axis_tuser = 1'b0;
  assign tx_axis_tready = 1'b0;
  assign stat_rx_aligned = 1'b0;
  assign stat_rx_status = 1'b0;
endmodule
