// v6lb_top: the load-balancer pipeline with its AXI4-Lite register block.
//
//   s_axis -> ingress --beats--> packet FIFO ------------------------------> egress -> m_axis
//                     --header--> parser -> lookup (tables) -> verdict FIFO -^     \-> m_axis_punt
//
// Frames are held whole in the packet FIFO until their verdict arrives; verdicts come in frame
// order, one per frame, so the egress pairs them without tags. A frame is admitted only while a
// verdict slot is free (credit), so the stall-free lookup pipeline can never overrun the egress.
// Registers carry reserved bits and the parser reports fields this pipeline does not use (TCP
// flags, the IPv6 end), so some bits are unused by design (waived where they are declared).
`include "v6lb_regs.svh"

module v6lb_top #(
    parameter integer DATA_WIDTH = 64,
    parameter integer KEEP_WIDTH = DATA_WIDTH / 8,
    parameter integer N_SERVICES = 64,
    parameter integer N_BACKENDS = 1024,
    parameter integer MAGLEV_M = 65537,
    parameter integer FLOW_SETS_LOG2 = 14,
    parameter integer WINDOW_BYTES = 256,
    parameter integer MAX_FRAME = 10240
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [31:0]           now_tick,   // time when CTRL.TICK_EXT is set (simulation)

    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,
    input  wire                  s_axis_tuser,

    output wire [DATA_WIDTH-1:0] m_axis_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_tkeep,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast,
    output wire                  m_axis_tuser,

    output wire [DATA_WIDTH-1:0] m_axis_punt_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_punt_tkeep,
    output wire                  m_axis_punt_tvalid,
    input  wire                  m_axis_punt_tready,
    output wire                  m_axis_punt_tlast,
    output wire                  m_axis_punt_tuser,

    // One pulse per frame, in arrival order, as the egress disposes of it: 0 forwarded,
    // 1 punted, 2 dropped. Lets a harness or a drop monitor tie outputs to inputs.
    output wire                  m_verdict_valid,
    output wire [1:0]            m_verdict,

    input  wire [`V6LB_REGS_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]            s_axil_awprot,
    input  wire                  s_axil_awvalid,
    output wire                  s_axil_awready,
    input  wire [31:0]           s_axil_wdata,
    input  wire [3:0]            s_axil_wstrb,
    input  wire                  s_axil_wvalid,
    output wire                  s_axil_wready,
    output wire [1:0]            s_axil_bresp,
    output wire                  s_axil_bvalid,
    input  wire                  s_axil_bready,
    input  wire [`V6LB_REGS_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]            s_axil_arprot,
    input  wire                  s_axil_arvalid,
    output wire                  s_axil_arready,
    output wire [31:0]           s_axil_rdata,
    output wire [1:0]            s_axil_rresp,
    output wire                  s_axil_rvalid,
    input  wire                  s_axil_rready
);
  localparam integer MAX_BEATS = (MAX_FRAME + KEEP_WIDTH - 1) / KEEP_WIDTH + 1;
  localparam integer PKT_DEPTH_LOG2 = $clog2(2 * MAX_BEATS + 64);
  localparam integer DEC_DEPTH_LOG2 = 6;
  localparam integer DEC_WIDTH = 302;
  localparam integer META_WIDTH = 49;  // {tuser error, length, tick}
  localparam integer FLOW_WAYS = 4;
  localparam integer DW = 32 * `V6LB_REG_TBL_DATA_COUNT;  // TBL_DATA

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
      $error("v6lb_top: DATA_WIDTH = %0d, must be a power of two in 64..512", DATA_WIDTH);
    if (KEEP_WIDTH * 8 != DATA_WIDTH)
      $error("v6lb_top: KEEP_WIDTH = %0d, must be DATA_WIDTH / 8", KEEP_WIDTH);
    if (MAX_FRAME < 64 || MAX_FRAME > 65535)
      $error("v6lb_top: MAX_FRAME = %0d, must be 64..65535", MAX_FRAME);
  end

  assign m_axis_tuser = 1'b0;
  assign m_axis_punt_tuser = 1'b0;

  // ---------------------------------------------------------------- registers
  // Reserved bits, and ACTIVE_BANK bits past N_SERVICES, are unused.
  // verilator lint_off UNUSEDSIGNAL
  wire [31:0]  ctrl, card_mac_hi, router_mac_hi, tbl_sel, tbl_cmd;
  wire [32*`V6LB_REG_ACTIVE_BANK_COUNT-1:0] active_bank_all;
  // verilator lint_on UNUSEDSIGNAL
  wire [31:0]  tick_div, card_mac_lo, router_mac_lo;
  wire [32*`V6LB_REG_CARD_ADDR_COUNT-1:0] card_addr;
  wire [DW-1:0] tbl_data;
  wire [31:0]  tbl_index, cnt_sel;
  wire         tbl_cmd_valid;
  logic        tbl_busy, tbl_error, tbl_rdata_valid;
  logic [DW-1:0] tbl_rdata;
  wire         cnt_sel_write, cnt_clear;
  wire         cnt_value_valid;
  wire [63:0]  cnt_snapshot;
  logic [31:0] tick;

  v6lb_axil_regs #(
      .ADDR_WIDTH(`V6LB_REGS_ADDR_WIDTH), .DATA_WIDTH(DATA_WIDTH), .N_SERVICES(N_SERVICES),
      .N_BACKENDS(N_BACKENDS), .MAGLEV_M(MAGLEV_M), .FLOW_SETS(1 << FLOW_SETS_LOG2),
      .FLOW_WAYS(FLOW_WAYS), .WINDOW_BYTES(WINDOW_BYTES), .MAX_FRAME(MAX_FRAME)
  ) regs (
      .clk(clk), .rst(rst),
      .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
      .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
      .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
      .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
      .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
      .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid),
      .s_axil_arready(s_axil_arready), .s_axil_rdata(s_axil_rdata),
      .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
      .s_axil_rready(s_axil_rready),
      .ctrl(ctrl), .tick_div(tick_div), .card_mac_hi(card_mac_hi), .card_mac_lo(card_mac_lo),
      .router_mac_hi(router_mac_hi), .router_mac_lo(router_mac_lo), .card_addr(card_addr),
      .tbl_data(tbl_data), .tbl_index(tbl_index), .tbl_sel(tbl_sel),
      .active_bank(active_bank_all), .cnt_sel(cnt_sel),
      .tbl_cmd_valid(tbl_cmd_valid), .tbl_cmd(tbl_cmd), .tbl_busy(tbl_busy),
      .tbl_error(tbl_error), .tbl_rdata_valid(tbl_rdata_valid), .tbl_rdata(tbl_rdata),
      .cnt_sel_write(cnt_sel_write), .cnt_value(cnt_snapshot),
      .cnt_value_valid(cnt_value_valid), .cnt_clear(cnt_clear), .tick_now(tick));

  wire [47:0] card_mac = {card_mac_hi[`V6LB_CARD_MAC_HI_BYTES_0_1_RANGE], card_mac_lo};
  // CARD_ADDR word i holds bytes 4i..4i+3; the pipeline wants byte 0 in the top bits.
  wire [127:0] card_ip = {card_addr[31:0], card_addr[63:32], card_addr[95:64], card_addr[127:96]};
  wire [47:0] router_mac = {router_mac_hi[`V6LB_ROUTER_MAC_HI_BYTES_0_1_RANGE], router_mac_lo};
  wire        aging_en = ctrl[`V6LB_CTRL_AGING_EN_LSB];
  wire        tick_ext = ctrl[`V6LB_CTRL_TICK_EXT_LSB];

  // ---------------------------------------------------------------- time
  logic [31:0] tick_int, tick_div_count;
  always_ff @(posedge clk) begin
    if (rst) begin
      tick_int <= 32'd0;
      tick_div_count <= 32'd0;
    end else if (tick_div_count + 32'd1 >= tick_div) begin
      tick_div_count <= 32'd0;
      tick_int <= tick_int + 32'd1;
    end else begin
      tick_div_count <= tick_div_count + 32'd1;
    end
  end
  assign tick = tick_ext ? now_tick : tick_int;

  // ---------------------------------------------------------------- ingress
  logic        host_hold;
  wire         lookup_ready;
  logic [DEC_DEPTH_LOG2:0] in_flight;  // admitted frames whose verdict the egress has not used
  wire         pkt_in_valid, pkt_in_ready, frame_start;
  wire [DATA_WIDTH+KEEP_WIDTH:0] pkt_in_data;
  wire         desc_valid, desc_error;
  wire [WINDOW_BYTES*8-1:0] desc_window;
  wire [15:0]  desc_len;
  wire [31:0]  desc_tick;

  v6lb_ingress #(
      .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .WINDOW_BYTES(WINDOW_BYTES),
      .MAX_FRAME(MAX_FRAME)
  ) ingress (
      .clk(clk), .rst(rst), .tick(tick), .hold(host_hold || !lookup_ready),
      .fifo_ready(pkt_in_ready),
      .credit(in_flight < (1 << DEC_DEPTH_LOG2)),
      .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(s_axis_tvalid),
      .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(s_axis_tuser),
      .fifo_valid(pkt_in_valid), .fifo_data(pkt_in_data), .frame_start(frame_start),
      .desc_valid(desc_valid), .desc_window(desc_window), .desc_len(desc_len),
      .desc_tick(desc_tick), .desc_error(desc_error));

  wire pkt_out_valid, pkt_out_ready;
  // verilator lint_off UNUSEDSIGNAL
  wire [PKT_DEPTH_LOG2:0] pkt_count;  // the ingress holds off a full FIFO through its ready
  // verilator lint_on UNUSEDSIGNAL
  wire [DATA_WIDTH+KEEP_WIDTH:0] pkt_out_data;
  v6lb_fifo #(.WIDTH(DATA_WIDTH + KEEP_WIDTH + 1), .DEPTH_LOG2(PKT_DEPTH_LOG2)) pkt_fifo (
      .clk(clk), .rst(rst), .in_valid(pkt_in_valid), .in_data(pkt_in_data),
      .in_ready(pkt_in_ready), .out_valid(pkt_out_valid), .out_data(pkt_out_data),
      .out_ready(pkt_out_ready), .count(pkt_count));

  // ---------------------------------------------------------------- parser
  wire         p_valid;
  wire [META_WIDTH-1:0] p_meta;
  wire [3:0]   p_class_raw;
  wire [7:0]   p_l3_off, p_proto, p_hop_limit;
  wire [8:0]   p_l4_off;
  wire [15:0]  p_sport, p_dport, p_l4_csum;
  // The parser reports them; this pipeline does not use them.
  // verilator lint_off UNUSEDSIGNAL
  wire [7:0]   p_tcp_flags;
  wire [15:0]  p_ip_end;
  // verilator lint_on UNUSEDSIGNAL
  wire [127:0] p_src, p_dst;
  wire         p_src_check_raw;

  v6lb_parser #(.WINDOW_BYTES(WINDOW_BYTES), .MAX_FRAME(MAX_FRAME), .META_WIDTH(META_WIDTH)) parser (
      .clk(clk), .rst(rst), .in_valid(desc_valid), .in_window(desc_window), .in_len(desc_len),
      .in_meta({desc_error, desc_len, desc_tick}), .card_mac(card_mac), .card_addr(card_ip),
      .out_valid(p_valid), .out_meta(p_meta), .out_class(p_class_raw), .out_l3_off(p_l3_off),
      .out_l4_off(p_l4_off), .out_ip_end(p_ip_end), .out_proto(p_proto),
      .out_tcp_flags(p_tcp_flags), .out_src_check(p_src_check_raw), .out_src(p_src), .out_dst(p_dst), .out_sport(p_sport),
      .out_dport(p_dport), .out_hop_limit(p_hop_limit), .out_l4_csum(p_l4_csum));

  // A frame the MAC marked bad (tuser) is malformed whatever its bytes say.
  wire [3:0] p_class = p_meta[48] ? 4'd2 : p_class_raw;
  wire       p_src_check = !p_meta[48] && p_src_check_raw;

  // ---------------------------------------------------------------- table commands
  localparam [3:0] T_SERVICE = `V6LB_TBL_CMD_TABLE_SERVICE, T_BACKEND = `V6LB_TBL_CMD_TABLE_BACKEND,
                   T_MAGLEV = `V6LB_TBL_CMD_TABLE_MAGLEV, T_FWD = `V6LB_TBL_CMD_TABLE_FWD_FLOW,
                   T_REPLY = `V6LB_TBL_CMD_TABLE_REPLY_FLOW;
  localparam [1:0] OPC_WRITE = `V6LB_TBL_CMD_OP_WRITE, OPC_READ = `V6LB_TBL_CMD_OP_READ;
  localparam [2:0] S_IDLE = 3'd0, S_MAGLEV = 3'd1, S_FLOW = 3'd2, S_FLOW_WAIT = 3'd3,
                   S_TABLE_INDEX = 3'd4, S_TABLE_READ = 3'd5, S_DECODE = 3'd6;

  logic [2:0]  cmd_state;
  logic [5:0]  mg_k;  // the Maglev entry of a TBL_DATA write, 0 to MG_LAST
  localparam [5:0] MG_LAST = `V6LB_TBL_MAGLEV_ENTRY_COUNT - 1;
  logic        host_req, host_reply_table, host_write;
  logic [31:0] host_index;
  wire         host_taken, host_done;
  wire [352:0] host_rdata;
  logic        svc_we, be_we, mg_we;
  logic [31:0] mg_waddr;
  logic [15:0] mg_wdata;
  wire [DW-1:0] svc_rdata, be_rdata;

  wire [3:0] cmd_table = tbl_cmd[`V6LB_TBL_CMD_TABLE_RANGE];
  wire [1:0] cmd_op = tbl_cmd[`V6LB_TBL_CMD_OP_RANGE];
  wire [31:0] flow_entries = (1 << FLOW_SETS_LOG2) * FLOW_WAYS;
  wire [15:0] mg_service = tbl_sel[`V6LB_TBL_SEL_SERVICE_RANGE];
  wire        mg_bank = tbl_sel[`V6LB_TBL_SEL_BANK_LSB];

  // The lookup's flow entry (353 bits): key byte i at [8i+7:8i] (296 bits), valid at 296, backend
  // [312:297], service [320:313], deadline [352:321]. TBL_DATA's FLOW layout (v6lb_regs.yaml)
  // holds the key as a big-endian byte string: byte i at word KEY_WORD + i/4, bits 31-8(i%4).
  function automatic integer key_byte_bit(input integer i);
    key_byte_bit = 32 * (`V6LB_TBL_FLOW_KEY_WORD + i / 4) + 24 - 8 * (i % 4);
  endfunction
  // verilator lint_off UNUSEDSIGNAL
  function automatic [352:0] data_to_entry(input [DW-1:0] d);  // reserved bits of d unused
  // verilator lint_on UNUSEDSIGNAL
    integer i;
    for (i = 0; i < `V6LB_TBL_FLOW_KEY_BYTES; i = i + 1) data_to_entry[8*i+:8] = d[key_byte_bit(i)+:8];
    data_to_entry[296] = d[`V6LB_TBL_FLOW_VALID_BIT];
    data_to_entry[312:297] = d[`V6LB_TBL_FLOW_BACKEND_RANGE];
    data_to_entry[320:313] = d[`V6LB_TBL_FLOW_SERVICE_RANGE];
    data_to_entry[352:321] = d[`V6LB_TBL_FLOW_DEADLINE_RANGE];
  endfunction
  function automatic [DW-1:0] entry_to_data(input [352:0] e);
    integer i;
    entry_to_data = {DW{1'b0}};
    for (i = 0; i < `V6LB_TBL_FLOW_KEY_BYTES; i = i + 1) entry_to_data[key_byte_bit(i)+:8] = e[8*i+:8];
    entry_to_data[`V6LB_TBL_FLOW_VALID_BIT] = e[296];
    entry_to_data[`V6LB_TBL_FLOW_BACKEND_RANGE] = e[312:297];
    entry_to_data[`V6LB_TBL_FLOW_SERVICE_RANGE] = e[320:313];
    entry_to_data[`V6LB_TBL_FLOW_DEADLINE_RANGE] = e[352:321];
  endfunction

  // A command is decoded a clock after it arrives (busy meanwhile), from its index checks
  // registered in that clock, so the 32-bit compares and the dispatch are in different clocks.
  logic        dc_svc, dc_be, dc_mg, dc_flow;  // the index is within that table
  logic [31:0] mg_left;  // Maglev entries from tbl_index to the end of the table
  logic [31:0] mg_base;  // the address of entry tbl_index of the selected service and bank
  always_ff @(posedge clk) begin
    svc_we <= 1'b0;
    be_we <= 1'b0;
    mg_we <= 1'b0;
    tbl_rdata_valid <= 1'b0;
    case (cmd_state)
      S_IDLE:
        if (tbl_cmd_valid) begin
          tbl_error <= 1'b0;
          tbl_busy <= 1'b1;
          cmd_state <= S_DECODE;
          dc_svc <= tbl_index < N_SERVICES;
          dc_be <= tbl_index < N_BACKENDS;
          dc_mg <= tbl_index < MAGLEV_M && {16'd0, mg_service} < N_SERVICES;
          dc_flow <= tbl_index < flow_entries;
          mg_left <= MAGLEV_M - tbl_index;
          mg_base <= ({16'd0, mg_service} * 2 + {31'd0, mg_bank}) * MAGLEV_M + tbl_index;
        end
      S_DECODE: begin
        cmd_state <= S_IDLE;
        tbl_busy <= 1'b0;
        if (cmd_table == T_SERVICE && cmd_op == OPC_WRITE && dc_svc)
          svc_we <= 1'b1;
        else if (cmd_table == T_SERVICE && cmd_op == OPC_READ && dc_svc) begin
          cmd_state <= S_TABLE_INDEX;
          tbl_busy <= 1'b1;
        end else if (cmd_table == T_BACKEND && cmd_op == OPC_WRITE && dc_be)
          be_we <= 1'b1;
        else if (cmd_table == T_BACKEND && cmd_op == OPC_READ && dc_be) begin
          cmd_state <= S_TABLE_INDEX;
          tbl_busy <= 1'b1;
        end else if (cmd_table == T_MAGLEV && cmd_op == OPC_WRITE && dc_mg) begin
          cmd_state <= S_MAGLEV;
          mg_k <= 6'd0;
          tbl_busy <= 1'b1;
        end else if ((cmd_table == T_FWD || cmd_table == T_REPLY) &&
                     (cmd_op == OPC_WRITE || cmd_op == OPC_READ) && dc_flow) begin
          cmd_state <= S_FLOW;
          host_req <= 1'b1;
          host_hold <= 1'b1;
          host_reply_table <= cmd_table == T_REPLY;
          host_write <= cmd_op == OPC_WRITE;
          host_index <= tbl_index;
          tbl_busy <= 1'b1;
        end else
          tbl_error <= 1'b1;
      end
      S_MAGLEV: begin
        // 32 entries, one per clock; entries at or beyond M are ignored.
        if ({26'd0, mg_k} < mg_left) begin
          mg_we <= 1'b1;
          mg_waddr <= mg_base + {26'd0, mg_k};
          mg_wdata <= tbl_data[`V6LB_TBL_MAGLEV_ENTRY_BIT + `V6LB_TBL_MAGLEV_ENTRY_STRIDE * mg_k +:
                               `V6LB_TBL_MAGLEV_ENTRY_WIDTH];
        end
        mg_k <= mg_k + 6'd1;
        if (mg_k == MG_LAST) begin
          cmd_state <= S_IDLE;
          tbl_busy <= 1'b0;
        end
      end
      // The lookup registers the read index, then the read data (a wide mux): two clocks.
      S_TABLE_INDEX: cmd_state <= S_TABLE_READ;
      S_TABLE_READ: begin
        tbl_rdata <= cmd_table == T_SERVICE ? svc_rdata : be_rdata;
        tbl_rdata_valid <= 1'b1;
        tbl_busy <= 1'b0;
        cmd_state <= S_IDLE;
      end
      S_FLOW:
        if (host_taken) begin
          host_req <= 1'b0;
          cmd_state <= S_FLOW_WAIT;
        end
      default:
        if (host_done) begin
          host_hold <= 1'b0;
          cmd_state <= S_IDLE;
          tbl_busy <= 1'b0;
          if (!host_write) begin
            tbl_rdata <= entry_to_data(host_rdata);
            tbl_rdata_valid <= 1'b1;
          end
        end
    endcase
    if (rst) begin
      cmd_state <= S_IDLE;
      tbl_busy <= 1'b0;
      tbl_error <= 1'b0;
      host_req <= 1'b0;
      host_hold <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- lookup
  wire         d_valid;
  wire [1:0]   d_verdict;
  wire [47:0]  d_dst_mac, d_src_mac;
  wire [8:0]   d_hop_off, d_addr_off, d_port_off, d_csum_off;
  wire [7:0]   d_hop;
  wire [127:0] d_addr;
  wire [15:0]  d_port, d_csum;
  wire         c_valid, c_is_packet, c_fwd, c_punt, c_to_service, c_reply, c_learned;
  wire         c_table_full;
  wire [4:0]   c_global;
  wire [15:0]  c_len, c_backend;
  wire [7:0]   c_service;
  wire signed [3:0] c_occ_fwd_delta, c_occ_rep_delta;

  v6lb_lookup #(
      .N_SERVICES(N_SERVICES), .N_BACKENDS(N_BACKENDS), .MAGLEV_M(MAGLEV_M),
      .FLOW_SETS_LOG2(FLOW_SETS_LOG2)
  ) lookup (
      .clk(clk), .rst(rst),
      .p_valid(p_valid), .p_class(p_class), .p_l3_off(p_l3_off), .p_l4_off(p_l4_off),
      .p_proto(p_proto), .p_src(p_src), .p_src_check(p_src_check), .p_dst(p_dst), .p_sport(p_sport), .p_dport(p_dport),
      .p_hop_limit(p_hop_limit), .p_l4_csum(p_l4_csum), .p_len(p_meta[47:32]),
      .p_tick(p_meta[31:0]),
      .card_mac(card_mac), .router_mac(router_mac),
      .svc_we(svc_we), .svc_widx(tbl_index[7:0]), .svc_wdata(tbl_data),
      .be_we(be_we), .be_widx(tbl_index[15:0]), .be_wdata(tbl_data),
      .mg_we(mg_we), .mg_waddr(mg_waddr), .mg_wdata(mg_wdata),
      .active_bank(active_bank_all[N_SERVICES-1:0]),
      .svc_ridx(tbl_index[7:0]), .svc_rdata(svc_rdata),
      .be_ridx(tbl_index[15:0]), .be_rdata(be_rdata),
      .host_req(host_req), .host_reply_table(host_reply_table), .host_write(host_write),
      .host_index(host_index), .host_wdata(data_to_entry(tbl_data)), .host_taken(host_taken),
      .host_done(host_done), .host_rdata(host_rdata),
      .aging_en(aging_en), .ready(lookup_ready),
      .d_valid(d_valid), .d_verdict(d_verdict), .d_dst_mac(d_dst_mac), .d_src_mac(d_src_mac),
      .d_hop_off(d_hop_off), .d_hop(d_hop), .d_addr_off(d_addr_off), .d_addr(d_addr),
      .d_port_off(d_port_off), .d_port(d_port), .d_csum_off(d_csum_off), .d_csum(d_csum),
      .c_valid(c_valid), .c_is_packet(c_is_packet), .c_global(c_global), .c_len(c_len),
      .c_fwd(c_fwd), .c_punt(c_punt), .c_to_service(c_to_service), .c_reply(c_reply),
      .c_learned(c_learned), .c_table_full(c_table_full), .c_service(c_service),
      .c_backend(c_backend), .c_occ_fwd_delta(c_occ_fwd_delta),
      .c_occ_rep_delta(c_occ_rep_delta));

  // ---------------------------------------------------------------- verdicts and egress
  // The credit scheme guarantees room: dec_in_ready is always high when a verdict arrives.
  wire dec_out_valid, dec_out_ready, dec_in_ready;
  wire [DEC_DEPTH_LOG2:0] dec_count;
  wire [DEC_WIDTH-1:0] dec_out_data;
  v6lb_fifo #(.WIDTH(DEC_WIDTH), .DEPTH_LOG2(DEC_DEPTH_LOG2)) dec_fifo (
      .clk(clk), .rst(rst), .in_valid(d_valid),
      .in_data({d_csum, d_csum_off, d_port, d_port_off, d_addr, d_addr_off, d_hop, d_hop_off,
                d_src_mac, d_dst_mac, d_verdict}),
      .in_ready(dec_in_ready), .out_valid(dec_out_valid), .out_data(dec_out_data),
      .out_ready(dec_out_ready), .count(dec_count));

  assign m_verdict_valid = dec_out_valid && dec_out_ready;
  assign m_verdict = dec_out_data[1:0];

  always_ff @(posedge clk) begin
    if (rst) in_flight <= '0;
    else in_flight <= in_flight + {{DEC_DEPTH_LOG2{1'b0}}, frame_start} -
                      {{DEC_DEPTH_LOG2{1'b0}}, dec_out_valid && dec_out_ready};
  end

`ifndef SYNTHESIS
  // The credit scheme's invariants (Verilator --assert, Icarus): every admitted frame holds a
  // verdict slot until the egress takes its verdict, so at most 2^DEC_DEPTH_LOG2 frames are in
  // flight, the verdict FIFO holds no more verdicts than frames in flight, and it always has
  // room when the stall-free lookup delivers one.
  always @(posedge clk) begin
    if (!rst) begin
      assert (in_flight <= (1 << DEC_DEPTH_LOG2))
        else $error("v6lb_top: %0d frames in flight, more than the %0d verdict slots", in_flight,
                    1 << DEC_DEPTH_LOG2);
      assert (!d_valid || dec_in_ready)
        else $error("v6lb_top: a verdict arrived at a full verdict FIFO (dropped)");
      assert (dec_count <= in_flight)
        else $error("v6lb_top: %0d verdicts queued for %0d frames in flight", dec_count, in_flight);
    end
  end
`endif

  v6lb_egress #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .DEC_WIDTH(DEC_WIDTH)) egress (
      .clk(clk), .rst(rst),
      .pkt_valid(pkt_out_valid), .pkt_data(pkt_out_data), .pkt_ready(pkt_out_ready),
      .dec_valid(dec_out_valid), .dec_data(dec_out_data), .dec_ready(dec_out_ready),
      .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid),
      .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast),
      .m_axis_punt_tdata(m_axis_punt_tdata), .m_axis_punt_tkeep(m_axis_punt_tkeep),
      .m_axis_punt_tvalid(m_axis_punt_tvalid), .m_axis_punt_tready(m_axis_punt_tready),
      .m_axis_punt_tlast(m_axis_punt_tlast));

  // ---------------------------------------------------------------- counters
  v6lb_counters #(.N_SERVICES(N_SERVICES), .N_BACKENDS(N_BACKENDS)) counters (
      .clk(clk), .rst(rst), .clear(cnt_clear),
      .c_valid(c_valid), .c_global(c_global), .c_len(c_len), .c_fwd(c_fwd), .c_punt(c_punt),
      .c_to_service(c_to_service), .c_reply(c_reply),
      .c_learned(c_learned), .c_table_full(c_table_full), .c_service(c_service), .c_backend(c_backend),
      .c_occ_fwd_delta(c_occ_fwd_delta), .c_occ_rep_delta(c_occ_rep_delta),
      .c_is_packet(c_is_packet), .sel(cnt_sel), .sel_write(cnt_sel_write),
      .value_valid(cnt_value_valid), .value(cnt_snapshot));
endmodule
