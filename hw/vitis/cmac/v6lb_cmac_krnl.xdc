# Constraints of v6lb_cmac_krnl itself (SCOPED_TO_REF v6lb_cmac_krnl in package_cmac.tcl).
# Quasi-static levels into two-flop synchronisers: status toward ap_clk, controls and the kernel
# reset toward the MAC clock. No timing relationship is needed.
set_false_path -to [get_cells -quiet {status_s1_reg[*] pg_s1_reg[*] ctl_c1_reg[*] rst_c1_reg}]
# The gray-coded RX drop counter: bounded skew as for the FIFO pointers.
set_max_delay -datapath_only -from [get_cells -quiet {drops_gray_c_reg[*]}] -to [get_cells -quiet {drops_g1_reg[*]}] 3.000
