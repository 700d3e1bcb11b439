# Synthesis constraints of v6lb_krnl (packaged with the kernel by package_krnl.tcl, used in
# synthesis only, scoped to v6lb_krnl). Memory placement the RTL leaves to the tool:
#   * the forward and reply flow tables (v6lb_flow_mem: one 1,412-bit 4-way set per word) go to
#     UltraRAM: 20 URAM288 wide, 80 per table at 16 K sets; in BRAM36 they would take 640 each;
#   * the Maglev table (16-bit entries, 2 x M per service) goes to block RAM, which holds
#     2,048 16-bit entries per BRAM36 against 4,096 per URAM288 (of 72-bit words), keeping
#     UltraRAM for the flow tables (hw/boards/*.mk, docs/HARDWARE.md "Table sizes per board").
set_property RAM_STYLE ultra [get_cells -quiet -hierarchical -filter {NAME =~ */fwd_mem/mem_reg* || NAME =~ */rep_mem/mem_reg*}]
set_property RAM_STYLE block [get_cells -quiet -hierarchical -filter {NAME =~ */lookup/maglev_reg*}]
