# Alveo U55C (XCU55C-FSVH2892-2L-E): the one place its card build is described.
# Read by hw/Makefile (xo, xclbin, estimate), scripts/board_estimate.sh and hw/scripts/check_hw.py.
# Keep the form KEY := VALUE (one per line): the python checker and the estimate script parse it.
BOARD_NAME      := u55c
PLATFORM        := xilinx_u55c_gen3x16_xdma_3_202210_1
PART            := xcu55c-fsvh2892-2L-e
# QSFP28 cage 0 (GTY channels X0Y24-X0Y27) and its CMAC sit in SLR1 on this card.
SLR             := SLR1
KERNEL_FREQ_MHZ := 300
# cmac_usplus placement and reference clock for QSFP0 (161.1328125 MHz reference), per the U55C
# card documentation and as used by Xilinx/open-nic-shell and Xilinx/xup_vitis_network_example.
CMAC_CORE       := CMACE4_X0Y3
GT_GROUP        := X0Y24~X0Y27
GT_REFCLK_MHZ   := 161.1328125
GT_DRP_MHZ      := 100.00
# Platform GT interface names (check with: platforminfo -p $(PLATFORM) -v; `make -C hw preflight` does).
# GT_DRP_MHZ is the frequency of PFM_FREERUN_CLK (the CMAC's init/DRP clock); platforminfo lists it.
PFM_GT_PORT     := io_gt_qsfp0_00
PFM_GT_REFCLK   := io_clk_qsfp0_refclka_00
PFM_FREERUN_CLK := ii_level0_wire/ulp_m_aclk_freerun_ref_00
PUNT_MEM        := HBM[0]
# Table sizes (RTL parameters of v6lb_top); see docs/HARDWARE.md "Table sizes per board".
DATA_WIDTH      := 512
N_SERVICES      := 16
N_BACKENDS      := 512
MAGLEV_M        := 16381
FLOW_SETS_LOG2  := 14
# Capacity of the part (AMD data sheet DS978, Alveo U55C); 3 SLRs, HBM in SLR0.
CAP_LUT         := 1304000
CAP_FF          := 2607000
CAP_BRAM36      := 2016
CAP_URAM        := 960
CAP_DSP         := 9024
SLR_COUNT       := 3
