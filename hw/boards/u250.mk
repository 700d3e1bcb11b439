# Alveo U250 (XCU250-FIGD2104-2L-E): the one place its card build is described.
# Read by hw/Makefile (xo, xclbin, estimate), scripts/board_estimate.sh and hw/scripts/check_hw.py.
# Keep the form KEY := VALUE (one per line): the python checker and the estimate script parse it.
BOARD_NAME      := u250
PLATFORM        := xilinx_u250_gen3x16_xdma_4_1_202210_1
PART            := xcu250-figd2104-2L-e
# The QSFP28 cage 0 and its CMAC sit in SLR2; the pipeline is kept there (constraints/v6lb_u250.xdc).
SLR             := SLR2
KERNEL_FREQ_MHZ := 300
# cmac_usplus placement and reference clock for QSFP0 (QSFP0: GTY channels X1Y44-X1Y47;
# a 156.25 MHz reference from the card's clock synthesiser), per the U200/U250 user guide (UG1289),
# as used by Xilinx/open-nic-shell and Xilinx/xup_vitis_network_example for this board.
CMAC_CORE       := CMACE4_X0Y8
GT_GROUP        := X1Y44~X1Y47
GT_REFCLK_MHZ   := 156.25
GT_DRP_MHZ      := 100.00
# Platform GT interface names (check with: platforminfo -p $(PLATFORM) -v; `make -C hw preflight` does).
# GT_DRP_MHZ is the frequency of PFM_FREERUN_CLK (the CMAC's init/DRP clock); platforminfo lists it.
PFM_GT_PORT     := io_gt_qsfp_00
PFM_GT_REFCLK   := io_clk_qsfp_refclka_00
PFM_FREERUN_CLK := ii_level1_wire/ulp_m_aclk_freerun_ref_00
# Memory the punt DMA writes its ring to.
PUNT_MEM        := DDR[2]
# Table sizes (RTL parameters of v6lb_top); see docs/HARDWARE.md "Table sizes per board".
DATA_WIDTH      := 512
N_SERVICES      := 16
N_BACKENDS      := 512
MAGLEV_M        := 16381
FLOW_SETS_LOG2  := 14
# Capacity of the part (AMD data sheet DS962, Alveo U250) and of one SLR (the part has 4).
CAP_LUT         := 1728000
CAP_FF          := 3456000
CAP_BRAM36      := 2688
CAP_URAM        := 1280
CAP_DSP         := 12288
SLR_COUNT       := 4
