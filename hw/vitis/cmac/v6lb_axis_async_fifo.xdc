# CDC constraints of hw/rtl/v6lb_axis_async_fifo.sv, scoped to the module (SCOPED_TO_REF
# v6lb_axis_async_fifo in package_cmac.tcl), so they apply to every instance.
# The gray-coded pointers into the far side's first synchroniser flop: bounded skew, so that all
# bits of one pointer value arrive within one period of the faster clock (3.103 ns at 322 MHz).
set_max_delay -datapath_only -from [get_cells -quiet {wr_gray_reg[*]}] -to [get_cells -quiet {wr_gray_s1_reg[*]}] 3.000
set_max_delay -datapath_only -from [get_cells -quiet {rd_gray_reg[*]}] -to [get_cells -quiet {rd_gray_s1_reg[*]}] 3.000
# The memory is written in s_clk and read in m_clk; a slot is read only after its pointer has
# crossed (two or more read clocks later). Block RAM/UltraRAM time each port on its own clock;
# if synthesis picks distributed RAM, bound its write-clock-to-read-register path the same way.
set_max_delay -datapath_only -from [get_cells -quiet -hierarchical -filter {PRIMITIVE_SUBGROUP == LUTRAM}] -to [get_cells -quiet {m_axis_t*_reg*}] 3.000
