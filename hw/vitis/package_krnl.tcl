# Package v6lb_krnl (hw/rtl) as a Vitis RTL kernel: v6lb_krnl.xo, free running (ap_ctrl_none).
# Vivado batch mode; `make -C hw xo BOARD=...` runs it:
#   vivado -mode batch -notrace -source package_krnl.tcl -tclargs \
#       XO KERNEL_XML GENERATED_DIR PART BUILD_DIR NAME=VALUE...
# XO            the .xo to write
# KERNEL_XML    build/generated/kernel.xml, generated from hw/regs/v6lb_regs.yaml (gen_regs.py)
# GENERATED_DIR directory of the generated v6lb_regs.svh (the RTL's `include)
# PART          the board's part (hw/boards/<board>.mk), for the packaging project only
# NAME=VALUE    RTL parameters of v6lb_krnl (the board's table sizes), set as the IP's defaults
# Follows UG1393 "Packaging RTL Kernels": the interfaces are inferred from the port-name
# prefixes (s_axi_control_*, rx_axis_*, tx_axis_*, punt_axis_*), all on ap_clk / ap_rst_n.
if {$argc < 5} {
  puts "usage: package_krnl.tcl XO KERNEL_XML GENERATED_DIR PART BUILD_DIR \[NAME=VALUE...\]"
  exit 2
}
set xo        [file normalize [lindex $argv 0]]
set kernel_xml [file normalize [lindex $argv 1]]
set gen_dir   [file normalize [lindex $argv 2]]
set part      [lindex $argv 3]
set build_dir [file normalize [lindex $argv 4]]
set params    [lrange $argv 5 end]

set here    [file dirname [file normalize [info script]]]
set rtl_dir [file normalize $here/../rtl]
set kernel  v6lb_krnl
set ip_dir  $build_dir/ip_$kernel
set prj_dir $build_dir/prj_$kernel

# The RTL of the kernel: the wrapper and the pipeline (the same files the simulation reads).
set rtl_files [list \
  $rtl_dir/v6lb_krnl.sv $rtl_dir/v6lb_top.sv $rtl_dir/v6lb_axil_regs.sv $rtl_dir/v6lb_ingress.sv \
  $rtl_dir/v6lb_parser.sv $rtl_dir/v6lb_crc32c_key.sv $rtl_dir/v6lb_lookup.sv \
  $rtl_dir/v6lb_flow_mem.sv $rtl_dir/v6lb_counters.sv $rtl_dir/v6lb_counter_bank.sv $rtl_dir/v6lb_egress.sv \
  $rtl_dir/v6lb_fifo.sv $rtl_dir/v6lb_skid_buffer.sv]
set synth_xdc $here/v6lb_krnl_synth.xdc
foreach f [concat $rtl_files [list $kernel_xml $gen_dir/v6lb_regs.svh $synth_xdc]] {
  if {![file exists $f]} { puts "ERROR: missing $f"; exit 1 }
}

file delete -force $ip_dir $prj_dir $xo
create_project -force ${kernel}_pack $prj_dir -part $part
add_files -norecurse $rtl_files
add_files -norecurse $gen_dir/v6lb_regs.svh
set_property file_type {Verilog Header} [get_files $gen_dir/v6lb_regs.svh]
set_property include_dirs [list $gen_dir] [current_fileset]
foreach f $rtl_files { set_property file_type SystemVerilog [get_files $f] }
set_property top $kernel [current_fileset]
# Memory styles (UltraRAM for the flow tables): synthesis only, scoped to the kernel.
add_files -fileset constrs_1 -norecurse $synth_xdc
set_property USED_IN {synthesis} [get_files $synth_xdc]
set_property SCOPED_TO_REF $kernel [get_files $synth_xdc]
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

# The board's table sizes become the IP's parameter values (Vitis instantiates the defaults).
foreach kv $params {
  set k [lindex [split $kv =] 0]
  set v [lindex [split $kv =] 1]
  set up [ipx::get_user_parameters $k -of_objects $core]
  set hp [ipx::get_hdl_parameters $k -of_objects $core]
  if {$up eq "" || $hp eq ""} { puts "ERROR: v6lb_krnl has no parameter $k"; exit 1 }
  set_property value $v $up
  set_property value $v $hp
}

# Interfaces: s_axi_control, rx_axis, tx_axis and punt_axis all on ap_clk.
foreach busif {s_axi_control rx_axis tx_axis punt_axis} {
  if {[ipx::get_bus_interfaces $busif -of_objects $core] eq ""} {
    puts "ERROR: interface $busif was not inferred from the port names of $kernel"
    exit 1
  }
  ipx::associate_bus_interfaces -busif $busif -clock ap_clk $core
}
set_property value ACTIVE_LOW [ipx::get_bus_parameters POLARITY -of_objects \
  [ipx::get_bus_interfaces ap_rst_n -of_objects $core]]

ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity -kernel $core
ipx::save_core $core
close_project -delete

package_xo -xo_path $xo -kernel_name $kernel -ip_directory $ip_dir -kernel_xml $kernel_xml
puts "INFO: wrote $xo"
