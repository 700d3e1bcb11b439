# v6lb card build, Alveo U280: constraints of our kernels in the linked design.
# Applied by v++ in implementation before opt_design (hw/Makefile passes
#   --vivado.prop run.impl_1.STEPS.OPT_DESIGN.TCL.PRE=constraints/v6lb_u280.xdc),
# so the cells below are found under the platform's hierarchy whatever its name.
# The CDC constraints (gray pointers, synchronisers) travel with the CMAC kernel itself:
# hw/vitis/cmac/*.xdc, scoped to their modules. This file keeps the whole data path in the
# SLR of the QSFP28 cage (SLR2): CMAC -> pipeline -> CMAC never crosses an SLR boundary.

set v6lb_slr SLR2
set v6lb_cells [get_cells -quiet -hierarchical -filter {NAME =~ */v6lb_krnl_1 || NAME =~ */cmac_0 || NAME =~ */v6lb_punt_1}]
if {[llength $v6lb_cells] == 0} {
  puts "v6lb_u280.xdc: WARNING: no v6lb kernel instances found (v6lb_krnl_1, cmac_0, v6lb_punt_1)"
} else {
  # The platform's dynamic-region pblock of that SLR, else one of our own over the SLR's clock regions.
  set v6lb_pb [get_pblocks -quiet pblock_dynamic_$v6lb_slr]
  if {[llength $v6lb_pb] == 0} {
    set v6lb_pb [create_pblock pblock_v6lb_$v6lb_slr]
    resize_pblock $v6lb_pb -add [get_clock_regions -of_objects [get_slrs $v6lb_slr]]
  }
  add_cells_to_pblock $v6lb_pb $v6lb_cells
  puts "v6lb_u280.xdc: [llength $v6lb_cells] kernel instances kept in $v6lb_slr ($v6lb_pb)"
}
