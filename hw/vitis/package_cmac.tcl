# Package the 100G Ethernet port v6lb_cmac_krnl (hw/vitis/cmac) as a Vitis RTL kernel
# v6lb_cmac_krnl.xo for one board: Xilinx cmac_usplus created here with the board's CMAC site,
# GT quad and reference clock (hw/boards/<board>.mk), wrapped with the CDC FIFOs
# (hw/rtl/v6lb_axis_async_fifo.sv) and its own small register block. `make -C hw xo` runs it:
#   vivado -mode batch -notrace -source package_cmac.tcl -tclargs \
#       XO PART CMAC_CORE GT_GROUP GT_REFCLK_MHZ GT_DRP_MHZ BUILD_DIR
# The GT serial lanes, the GT reference clock and the free-running clock are kernel ports that
# v++ connects to the platform with connect= (hw/vitis/link/<board>.cfg).
if {$argc != 7} {
  puts "usage: package_cmac.tcl XO PART CMAC_CORE GT_GROUP GT_REFCLK_MHZ GT_DRP_MHZ BUILD_DIR"
  exit 2
}
lassign $argv xo part cmac_core gt_group refclk_mhz drp_mhz build_dir
set xo        [file normalize $xo]
set build_dir [file normalize $build_dir]
set here      [file dirname [file normalize [info script]]]
set kernel    v6lb_cmac_krnl
set ip_dir    $build_dir/ip_$kernel
set prj_dir   $build_dir/prj_$kernel
set kernel_xml $here/cmac/kernel.xml

set rtl_files [list $here/cmac/v6lb_cmac_krnl.sv $here/cmac/v6lb_cmac_regs.sv \
                    [file normalize $here/../rtl/v6lb_axis_async_fifo.sv]]
set xdc_fifo  $here/cmac/v6lb_axis_async_fifo.xdc
set xdc_krnl  $here/cmac/v6lb_cmac_krnl.xdc
foreach f [concat $rtl_files [list $kernel_xml $xdc_fifo $xdc_krnl]] {
  if {![file exists $f]} { puts "ERROR: missing $f"; exit 1 }
}

file delete -force $ip_dir $prj_dir $xo
create_project -force ${kernel}_pack $prj_dir -part $part
add_files -norecurse $rtl_files
foreach f $rtl_files { set_property file_type SystemVerilog [get_files $f] }

# The MAC. Lanes follow from GT_GROUP_SELECT. No AXI4-Lite block and no statistics counters:
# v6lb_cmac_krnl drives the ctl_* ports itself (bring-up per PG203) and counts frames.
create_ip -name cmac_usplus -vendor xilinx.com -library ip -module_name v6lb_cmac_usplus \
  -dir $prj_dir/ip
set_property -dict [list \
  CONFIG.CMAC_CAUI4_MODE {1} \
  CONFIG.NUM_LANES {4x25} \
  CONFIG.USER_INTERFACE {AXIS} \
  CONFIG.GT_REF_CLK_FREQ $refclk_mhz \
  CONFIG.GT_DRP_CLK $drp_mhz \
  CONFIG.CMAC_CORE_SELECT $cmac_core \
  CONFIG.GT_GROUP_SELECT $gt_group \
  CONFIG.ENABLE_AXI_INTERFACE {0} \
  CONFIG.INCLUDE_STATISTICS_COUNTERS {0} \
  CONFIG.INCLUDE_RS_FEC {1} \
  CONFIG.ENABLE_PIPELINE_REG {1} \
  CONFIG.TX_FLOW_CONTROL {0} \
  CONFIG.RX_FLOW_CONTROL {0} \
  CONFIG.RX_MAX_PACKET_LEN {9600} \
  CONFIG.INCLUDE_SHARED_LOGIC {2} \
  CONFIG.OPERATING_MODE {Duplex} \
] [get_ips v6lb_cmac_usplus]
generate_target all [get_ips v6lb_cmac_usplus]

# CDC constraints: scoped to every instance of the FIFO, and the kernel's own synchronisers.
add_files -fileset constrs_1 -norecurse [list $xdc_fifo $xdc_krnl]
set_property SCOPED_TO_REF v6lb_axis_async_fifo [get_files $xdc_fifo]
set_property SCOPED_TO_REF $kernel [get_files $xdc_krnl]
set_property PROCESSING_ORDER LATE [get_files [list $xdc_fifo $xdc_krnl]]
set_property top $kernel [current_fileset]
update_compile_order -fileset sources_1

ipx::package_project -root_dir $ip_dir -vendor v6lb -library kernel -taxonomy /KernelIP \
  -import_files -set_current false
ipx::unload_core $ip_dir/component.xml
ipx::edit_ip_in_project -upgrade true -name ${kernel}_edit -directory $ip_dir $ip_dir/component.xml
set core [ipx::current_core]
set_property core_revision 1 $core
set_property version 1.0 $core
set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property vitis_drc {ctrl_protocol ap_ctrl_none} $core
set_property ipi_drc {ignore_freq_hz true} $core

foreach busif {s_axi_control rx_axis tx_axis} {
  if {[ipx::get_bus_interfaces $busif -of_objects $core] eq ""} {
    puts "ERROR: interface $busif was not inferred from the port names of $kernel"
    exit 1
  }
  ipx::associate_bus_interfaces -busif $busif -clock ap_clk $core
}

# GT lanes: one gt interface (the type Xilinx's MAC IPs use), connected by v++ to the QSFP.
ipx::add_bus_interface gt_serial_port $core
set gt [ipx::get_bus_interfaces gt_serial_port -of_objects $core]
set_property interface_mode master $gt
set_property abstraction_type_vlnv xilinx.com:interface:gt_rtl:1.0 $gt
set_property bus_type_vlnv xilinx.com:interface:gt:1.0 $gt
foreach {logical physical} {GRX_P gt_rxp_in GRX_N gt_rxn_in GTX_P gt_txp_out GTX_N gt_txn_out} {
  ipx::add_port_map $logical $gt
  set_property physical_name $physical [ipx::get_port_maps $logical -of_objects $gt]
}
# GT reference clock: a differential clock interface, not a kernel clock.
ipx::add_bus_interface gt_refclk $core
set rc [ipx::get_bus_interfaces gt_refclk -of_objects $core]
set_property abstraction_type_vlnv xilinx.com:interface:diff_clock_rtl:1.0 $rc
set_property bus_type_vlnv xilinx.com:interface:diff_clock:1.0 $rc
foreach {logical physical} {CLK_P gt_refclk_p CLK_N gt_refclk_n} {
  ipx::add_port_map $logical $rc
  set_property physical_name $physical [ipx::get_port_maps $logical -of_objects $rc]
}
ipx::add_bus_parameter FREQ_HZ $rc
set_property value [expr {round($refclk_mhz * 1000000)}] [ipx::get_bus_parameters FREQ_HZ -of_objects $rc]
# Free-running clock (init/DRP clock of the GTs).
if {[ipx::get_bus_interfaces clk_gt_freerun -of_objects $core] eq ""} {
  ipx::add_bus_interface clk_gt_freerun $core
}
set fr [ipx::get_bus_interfaces clk_gt_freerun -of_objects $core]
set_property abstraction_type_vlnv xilinx.com:signal:clock_rtl:1.0 $fr
set_property bus_type_vlnv xilinx.com:signal:clock:1.0 $fr
if {[ipx::get_port_maps CLK -of_objects $fr] eq ""} { ipx::add_port_map CLK $fr }
set_property physical_name clk_gt_freerun [ipx::get_port_maps CLK -of_objects $fr]

set_property xpm_libraries {XPM_CDC XPM_MEMORY} $core
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity -kernel $core
ipx::save_core $core
close_project -delete

package_xo -xo_path $xo -kernel_name $kernel -ip_directory $ip_dir -kernel_xml $kernel_xml
puts "INFO: wrote $xo"
