// The stateful core: service match, Maglev pick, forward and reply flow tables with learning,
// and the rewrite decision; docs/PIPELINE.md §2-§5 in hardware. One operation per clock flows
// through eight stages, each meant to fit the card's timing target (6 LUT levels; measured in
// docs/PERFORMANCE.md):
//   hash     keys and CRC-32C hashes, service (VIP) match, the source against the VIPs
//   fwd_rd   scheduler hash -> Maglev index; read the forward set and the Maglev entry; a packet
//            from a VIP becomes spoofed (a drop)
//   fwd_cmp  per-way flags of the forward set (key match, live, due, backend valid)
//   fwd_ex   forward-table decision and write (hit, learn, refresh; no room: a drop)
//   rep_key  the reply-table key (backend address of the pick); read the reply set
//   rep_cmp  per-way flags of the reply set
//   rep_ex   reply-table decision and write (reply-entry learn/refresh, or reply lookup)
//   rewrite  verdict, new header fields and checksum for the egress; counter event
// Each table is read two stages before it is written. The memory's bypass covers a write two
// ops ahead; the op one ahead writes in the same clock as the compare stage runs, so the
// compare stage also makes its flags against what that op writes (its registers say what it
// can write) and the execute stage picks per way: forwarding, so back-to-back packets of one
// flow (or one set) see each other exactly as in the sequential model, at one op per clock.
// Operations are packets, host table accesses and aging sweeps; the last two take the slot of a
// missing packet, so every operation sees the tables as all earlier ones left them.
// Table words carry reserved bits and hashes are sliced to the table sizes, so unused bits are
// expected here (waived where they are declared).
`include "v6lb_regs.svh"

module v6lb_lookup #(
    parameter integer N_SERVICES = 64,
    parameter integer N_BACKENDS = 1024,
    parameter integer MAGLEV_M = 65537,
    parameter integer FLOW_SETS_LOG2 = 14
) (
    input  wire         clk,
    input  wire         rst,

    // From the parser.
    input  wire         p_valid,
    input  wire [3:0]   p_class,
    input  wire [7:0]   p_l3_off,
    input  wire [8:0]   p_l4_off,
    input  wire [7:0]   p_proto,
    input  wire [127:0] p_src,
    input  wire         p_src_check,     // a VIP as p_src makes the packet spoofed
    input  wire [127:0] p_dst,
    input  wire [15:0]  p_sport,
    input  wire [15:0]  p_dport,
    input  wire [7:0]   p_hop_limit,
    input  wire [15:0]  p_l4_csum,
    input  wire [15:0]  p_len,
    input  wire [31:0]  p_tick,

    // Card.
    input  wire [47:0]  card_mac,
    input  wire [47:0]  router_mac,

    // Host writes to the service, backend and Maglev tables.
    input  wire         svc_we,
    input  wire [7:0]   svc_widx,
    // verilator lint_off UNUSEDSIGNAL
    input  wire [32*`V6LB_REG_TBL_DATA_COUNT-1:0] svc_wdata,  // TBL_DATA layout; words past TW unused
    input  wire         be_we,
    input  wire [15:0]  be_widx,
    input  wire [32*`V6LB_REG_TBL_DATA_COUNT-1:0] be_wdata,
    // verilator lint_on UNUSEDSIGNAL
    input  wire         mg_we,
    input  wire [31:0]  mg_waddr,    // (service * 2 + bank) * M + index
    input  wire [15:0]  mg_wdata,
    input  wire [N_SERVICES-1:0] active_bank,
    // Host reads of the service and backend tables: registered, two clocks after the index.
    input  wire [7:0]   svc_ridx,
    output logic [32*`V6LB_REG_TBL_DATA_COUNT-1:0] svc_rdata,
    input  wire [15:0]  be_ridx,
    output logic [32*`V6LB_REG_TBL_DATA_COUNT-1:0] be_rdata,

    // Host flow-table operations: held until host_taken.
    input  wire         host_req,
    input  wire         host_reply_table,  // 0 forward, 1 reply
    input  wire         host_write,        // 1 write, 0 read
    // verilator lint_off UNUSEDSIGNAL
    input  wire [31:0]  host_index,        // set * 4 + way; bits above the table unused
    // verilator lint_on UNUSEDSIGNAL
    input  wire [352:0] host_wdata,
    output wire         host_taken,
    output logic        host_done,
    output logic [352:0] host_rdata,

    input  wire         aging_en,
    output wire         ready,           // low while the flow tables are cleared after reset

    // Verdict and rewrite for the egress (rewrite stage).
    output logic        d_valid,
    output logic [1:0]  d_verdict,       // 0 forward, 1 punt, 2 drop
    output logic [47:0] d_dst_mac,
    output logic [47:0] d_src_mac,
    output logic [8:0]  d_hop_off,
    output logic [7:0]  d_hop,
    output logic [8:0]  d_addr_off,
    output logic [127:0] d_addr,
    output logic [8:0]  d_port_off,
    output logic [15:0] d_port,
    output logic [8:0]  d_csum_off,
    output logic [15:0] d_csum,

    // Counter event (rewrite stage).
    output logic        c_valid,
    output logic        c_is_packet,
    output logic [4:0]  c_global,        // counter index of the class (packet_class.h)
    output logic [15:0] c_len,
    output logic        c_fwd,
    output logic        c_punt,
    output logic        c_to_service,
    output logic        c_reply,
    output logic        c_learned,
    output logic        c_table_full,
    output logic [7:0]  c_service,
    output logic [15:0] c_backend,
    output logic signed [3:0] c_occ_fwd_delta,
    output logic signed [3:0] c_occ_rep_delta
);
  localparam integer WAYS = 4;
  localparam integer EW = 353;  // entry: key 296 | valid | backend 16 | service 8 | deadline 32
  localparam integer SW = WAYS * EW;
  localparam integer MG_DEPTH = N_SERVICES * 2 * MAGLEV_M;
  localparam integer MG_AW = $clog2(MG_DEPTH);

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (N_SERVICES < 2 || N_SERVICES > 256)
      $error("v6lb_lookup: N_SERVICES = %0d, must be 2..256 (8-bit slots)", N_SERVICES);
    if (N_BACKENDS < 2 || N_BACKENDS > 65535)
      $error("v6lb_lookup: N_BACKENDS = %0d, must be 2..65535 (0xFFFF is none)", N_BACKENDS);
    if (MAGLEV_M < 2 || N_SERVICES * 2 > 32'h7FFF_FFFF / MAGLEV_M)
      $error("v6lb_lookup: MAGLEV_M = %0d: at least 2, and all Maglev tables within 2^31 entries", MAGLEV_M);
    if (FLOW_SETS_LOG2 < 1 || FLOW_SETS_LOG2 > 24)
      $error("v6lb_lookup: FLOW_SETS_LOG2 = %0d, must be 1..24", FLOW_SETS_LOG2);
    if (`V6LB_CNT_GLOBAL_COUNT > 31)
      $error("v6lb_lookup: the %0d global counters leave no code for K_NONE (31)", `V6LB_CNT_GLOBAL_COUNT);
  end

  localparam [3:0] C_L4 = 4'd0, C_OTHER = 4'd1, C_MALFORMED = 4'd2, C_NOT_IPV6 = 4'd3,
                   C_WRONG_MAC = 4'd4, C_BAD_SOURCE = 4'd5, C_SPOOFED = 4'd6, C_LOCAL = 4'd7,
                   C_FRAG = 4'd8, C_EXT = 4'd9, C_ICMP = 4'd10, C_HOP = 4'd11;
  // Global counter numbers (CNT_SEL.INDEX of KIND GLOBAL, v6lb_regs.yaml); c_global carries
  // their low 5 bits, and K_NONE (no class counter) is beyond the last one.
  localparam [15:0] K_DROP_MALFORMED = `V6LB_CNT_GLOBAL_DROP_MALFORMED,
                    K_DROP_NOT_IPV6 = `V6LB_CNT_GLOBAL_DROP_NOT_IPV6,
                    K_DROP_WRONG_MAC = `V6LB_CNT_GLOBAL_DROP_WRONG_MAC,
                    K_DROP_BAD_SOURCE = `V6LB_CNT_GLOBAL_DROP_BAD_SOURCE,
                    K_DROP_SPOOFED = `V6LB_CNT_GLOBAL_DROP_SPOOFED,
                    K_DROP_NO_SERVICE = `V6LB_CNT_GLOBAL_DROP_NO_SERVICE,
                    K_DROP_NO_BACKEND = `V6LB_CNT_GLOBAL_DROP_NO_BACKEND,
                    K_DROP_TABLE_FULL = `V6LB_CNT_GLOBAL_DROP_FLOW_TABLE_FULL,
                    K_PUNT_LOCAL = `V6LB_CNT_GLOBAL_PUNT_LOCAL,
                    K_PUNT_FRAGMENT = `V6LB_CNT_GLOBAL_PUNT_FRAGMENT,
                    K_PUNT_EXT = `V6LB_CNT_GLOBAL_PUNT_EXT_HEADERS,
                    K_PUNT_ICMP = `V6LB_CNT_GLOBAL_PUNT_ICMP,
                    K_PUNT_HOP = `V6LB_CNT_GLOBAL_PUNT_HOP_LIMIT;
  localparam [4:0] K_NONE = 5'd31;
  localparam [1:0] OP_NONE = 2'd0, OP_PKT = 2'd1, OP_HOST = 2'd2, OP_AGE = 2'd3;
  localparam [15:0] NO_BACKEND = 16'hFFFF;
  // What an op wrote into one way of a flow table, as forwarded to the op behind it.
  localparam [1:0] W_FULL = 2'b01, W_DEADLINE = 2'b10, W_CLEAR = 2'b11;

  localparam integer SB = $clog2(N_SERVICES);
  localparam integer BB = $clog2(N_BACKENDS);

  // Table indices: slot numbers travel 8 (service) and 16 (backend) bits wide; the arrays are
  // addressed with their own width, and every use is guarded by sok()/bok().
  // verilator lint_off UNUSEDSIGNAL
  function automatic [SB-1:0] sidx(input [7:0] i);
    sidx = i[SB-1:0];
  endfunction
  function automatic [BB-1:0] bidx(input [15:0] i);
    bidx = i[BB-1:0];
  endfunction
  // Index in range: the bits above the index width zero, and the index below N unless N is a
  // power of two (the card's sizes). A plain `i < N` becomes a carry chain over all 16 bits, in
  // series with a table read on the reply path.
  // The bits of i below and above the index width are read by different terms.
  function automatic sok(input [7:0] i);
    sok = (i >> SB) == 8'd0 &&
          (N_SERVICES == (1 << SB) || {{(32 - SB) {1'b0}}, i[SB-1:0]} < N_SERVICES);
  endfunction
  function automatic bok(input [15:0] i);
    bok = (i >> BB) == 16'd0 &&
          (N_BACKENDS == (1 << BB) || {{(32 - BB) {1'b0}}, i[BB-1:0]} < N_BACKENDS);
  endfunction
  // verilator lint_on UNUSEDSIGNAL

  // ---------------------------------------------------------------- tables written by the host
  logic [N_SERVICES-1:0] svc_valid;  // packed, so reset clears it in one step
  logic [127:0]        svc_vip[N_SERVICES];
  logic [7:0]          svc_proto[N_SERVICES];
  logic [15:0]         svc_port[N_SERVICES];
  logic [1:0]          svc_sched[N_SERVICES];
  logic [31:0]         svc_timeout[N_SERVICES];
  logic [N_BACKENDS-1:0] be_valid;
  logic [127:0]        be_addr[N_BACKENDS];
  // {service, port}: the service is only read back by the host, and a memory of its own would
  // have one address for its write and its only read, which yosys 0.23 maps to a single-port
  // LUTRAM it then cannot build at 512 entries.
  logic [23:0]         be_svc_port[N_BACKENDS];
  logic [47:0]         be_mac[N_BACKENDS];
  logic [15:0]         maglev[MG_DEPTH];

  // The Maglev memory has no reset: the host writes a service's table before it marks the
  // service valid (program.cc: write_plan), and invalid services are never looked up.

  // The TBL_DATA words the service and backend writes use (v6lb_regs.yaml layouts).
  localparam integer TW = 32 * (`V6LB_TBL_SERVICE_WORDS > `V6LB_TBL_BACKEND_WORDS ?
                                `V6LB_TBL_SERVICE_WORDS : `V6LB_TBL_BACKEND_WORDS);
  localparam integer DW = 32 * `V6LB_REG_TBL_DATA_COUNT;  // TBL_DATA, 512 bits

  // Byte strings in TBL_DATA (addresses, MACs) are big-endian within words: byte j of a string
  // at word w is d[32*(w + j/4) + 24 - 8*(j%4) +: 8] (docs/REGISTERS.md). As a vector, byte 0
  // is in the top bits: the string's n bytes are bits [8n-1:0] of the result.
  function automatic [127:0] tbl_bytes(input [TW-1:0] d, input integer w, input integer n);
    integer j;
    tbl_bytes = 128'd0;
    for (j = 0; j < n; j = j + 1) tbl_bytes[8*(n-1-j)+:8] = d[32*(w+j/4)+24-8*(j%4)+:8];
  endfunction
  // The inverse, into a word-aligned TBL_DATA vector.
  function automatic [DW-1:0] put_bytes(input [DW-1:0] d, input integer w, input integer n,
                                        input [127:0] v);
    integer j;
    put_bytes = d;
    for (j = 0; j < n; j = j + 1) put_bytes[32*(w+j/4)+24-8*(j%4)+:8] = v[8*(n-1-j)+:8];
  endfunction

  // Host writes are registered first, with their range checks, so the index compares and the
  // decode of the index into per-entry enables are in different clocks.
  logic                    sw_en, bw_en, mw_en;
  logic [SB-1:0]           sw_i;
  logic [BB-1:0]           bw_i;
  logic [MG_AW-1:0]        mw_a;
  // verilator lint_off UNUSEDSIGNAL
  logic [TW-1:0]           sw_d, bw_d;  // reserved bits and fields of other layouts
  // verilator lint_on UNUSEDSIGNAL
  logic [15:0]             mw_d;
  always_ff @(posedge clk) begin
    sw_en <= !rst && svc_we && sok(svc_widx);
    bw_en <= !rst && be_we && bok(be_widx);
    mw_en <= !rst && mg_we && mg_waddr < MG_DEPTH;
    sw_i <= sidx(svc_widx);
    bw_i <= bidx(be_widx);
    mw_a <= mg_waddr[MG_AW-1:0];
    sw_d <= svc_wdata[TW-1:0];
    bw_d <= be_wdata[TW-1:0];
    mw_d <= mg_wdata;
  end

  wire [127:0] sw_vip = tbl_bytes(sw_d, `V6LB_TBL_SERVICE_VIP_WORD, `V6LB_TBL_SERVICE_VIP_BYTES);
  wire [127:0] bw_addr = tbl_bytes(bw_d, `V6LB_TBL_BACKEND_ADDR_WORD, `V6LB_TBL_BACKEND_ADDR_BYTES);
  // verilator lint_off UNUSEDSIGNAL
  wire [127:0] bw_mac = tbl_bytes(bw_d, `V6LB_TBL_BACKEND_MAC_WORD, `V6LB_TBL_BACKEND_MAC_BYTES);
  // verilator lint_on UNUSEDSIGNAL
  wire [31:0] sw_timeout = sw_d[`V6LB_TBL_SERVICE_TIMEOUT_RANGE];
  always_ff @(posedge clk) begin
    if (sw_en) begin
      svc_vip[sw_i] <= sw_vip;
      svc_valid[sw_i] <= sw_d[`V6LB_TBL_SERVICE_VALID_BIT];
      svc_sched[sw_i] <= sw_d[`V6LB_TBL_SERVICE_SCHEDULER_RANGE];
      svc_proto[sw_i] <= sw_d[`V6LB_TBL_SERVICE_PROTO_RANGE];
      svc_port[sw_i] <= sw_d[`V6LB_TBL_SERVICE_PORT_RANGE];
      svc_timeout[sw_i] <= sw_timeout;
    end
    if (bw_en) begin
      be_addr[bw_i] <= bw_addr;
      be_valid[bw_i] <= bw_d[`V6LB_TBL_BACKEND_VALID_BIT];
      be_svc_port[bw_i] <= {bw_d[`V6LB_TBL_BACKEND_SERVICE_RANGE], bw_d[`V6LB_TBL_BACKEND_PORT_RANGE]};
      be_mac[bw_i] <= bw_mac[47:0];
    end
    if (mw_en) maglev[mw_a] <= mw_d;
    if (rst) begin
      svc_valid <= '0;
      be_valid <= '0;
    end
  end

  // Host reads: the index is registered first (two clocks in all, v6lb_top waits for them),
  // then goes to the arrays unguarded (an out-of-range index reads some entry); the guard zeroes
  // the result after the read, so it is not in series with the read multiplexers.
  logic [7:0]  svc_rq;
  logic [15:0] be_rq;
  logic        svc_rok, be_rok;
  always_ff @(posedge clk) begin
    svc_rq <= svc_ridx;
    be_rq <= be_ridx;
    svc_rok <= sok(svc_ridx);
    be_rok <= bok(be_ridx);
  end
  wire [127:0] svc_vip_r = svc_vip[sidx(svc_rq)];
  wire [127:0] be_addr_r = be_addr[bidx(be_rq)];
  wire [47:0] be_mac_r = be_mac[bidx(be_rq)];
  logic [DW-1:0] svc_rd, be_rd;  // the entries in their TBL_DATA layouts
  always_comb begin
    svc_rd = put_bytes({DW{1'b0}}, `V6LB_TBL_SERVICE_VIP_WORD, `V6LB_TBL_SERVICE_VIP_BYTES,
                       svc_vip_r);
    svc_rd[`V6LB_TBL_SERVICE_TIMEOUT_RANGE] = svc_timeout[sidx(svc_rq)];
    svc_rd[`V6LB_TBL_SERVICE_VALID_BIT] = svc_valid[sidx(svc_rq)];
    svc_rd[`V6LB_TBL_SERVICE_SCHEDULER_RANGE] = svc_sched[sidx(svc_rq)];
    svc_rd[`V6LB_TBL_SERVICE_PROTO_RANGE] = svc_proto[sidx(svc_rq)];
    svc_rd[`V6LB_TBL_SERVICE_PORT_RANGE] = svc_port[sidx(svc_rq)];
    be_rd = put_bytes({DW{1'b0}}, `V6LB_TBL_BACKEND_ADDR_WORD, `V6LB_TBL_BACKEND_ADDR_BYTES,
                      be_addr_r);
    be_rd = put_bytes(be_rd, `V6LB_TBL_BACKEND_MAC_WORD, `V6LB_TBL_BACKEND_MAC_BYTES,
                      {80'd0, be_mac_r});
    be_rd[`V6LB_TBL_BACKEND_VALID_BIT] = be_valid[bidx(be_rq)];
    {be_rd[`V6LB_TBL_BACKEND_SERVICE_RANGE], be_rd[`V6LB_TBL_BACKEND_PORT_RANGE]} =
        be_svc_port[bidx(be_rq)];
  end
  always_ff @(posedge clk) svc_rdata <= !svc_rok ? {DW{1'b0}} : svc_rd;
  always_ff @(posedge clk) be_rdata <= !be_rok ? {DW{1'b0}} : be_rd;

  // ---------------------------------------------------------------- helpers
  // Canonical key: byte i at bits [8i+7:8i]; addresses arrive big-endian (byte 0 in the MSBs).
  function automatic [295:0] make_key(input [127:0] a, input [127:0] b, input [15:0] pa,
                                      input [15:0] pb, input [7:0] proto);
    integer i;
    for (i = 0; i < 16; i = i + 1) begin
      make_key[8*i+:8] = a[127-8*i-:8];
      make_key[128+8*i+:8] = b[127-8*i-:8];
    end
    make_key[263:256] = pa[15:8];
    make_key[271:264] = pa[7:0];
    make_key[279:272] = pb[15:8];
    make_key[287:280] = pb[7:0];
    make_key[295:288] = proto;
  endfunction

  // The entry and time helpers read only the fields and bits they name.
  // verilator lint_off UNUSEDSIGNAL
  // An entry with this deadline is live at `now` (deadline not passed, in wrapping time).
  function automatic live_at(input [31:0] deadline, input [31:0] now);
    logic [31:0] d;
    d = now - deadline;
    live_at = d[31] || now == deadline;  // the equality beside the subtraction, not after it
  endfunction

  function automatic live(input [EW-1:0] e, input [31:0] now);
    live = e[296] && live_at(e[352:321], now);
  endfunction

  // Due for a refresh: at most `t` ticks left.
  function automatic due_at(input [31:0] deadline, input [31:0] now, input [31:0] t);
    logic [31:0] d;
    d = deadline - now;
    due_at = $signed(d) <= $signed(t);
  endfunction

  function automatic due(input [EW-1:0] e, input [31:0] now, input [31:0] t);
    due = due_at(e[352:321], now, t);
  endfunction
  // verilator lint_on UNUSEDSIGNAL

  function automatic [31:0] lifetime_end(input [31:0] now, input [31:0] t);
    lifetime_end = now + t + {3'd0, t[31:3]};
  endfunction

  function automatic be_ok(input [15:0] b);
    be_ok = bok(b) && be_valid[bidx(b)];
  endfunction

  // Set bits of a way mask.
  function automatic [2:0] count4(input [WAYS-1:0] m);
    count4 = {2'd0, m[0]} + {2'd0, m[1]} + {2'd0, m[2]} + {2'd0, m[3]};
  endfunction

  // The lowest set bit, one-hot, as a priority chain: `m & ~(m - 1)` is the same function but becomes a
  // carry chain that synthesis keeps in series with the table-write decision.
  function automatic [WAYS-1:0] first_way(input [WAYS-1:0] m);
    logic seen;
    integer w;
    seen = 1'b0;
    for (w = 0; w < WAYS; w = w + 1) begin
      first_way[w] = m[w] && !seen;
      seen = seen || m[w];
    end
  endfunction

  function automatic [EW-1:0] make_entry(input [295:0] key, input [15:0] backend,
                                         input [7:0] service, input [31:0] deadline);
    make_entry = {deadline, service, backend, 1'b1, key};
  endfunction

  // The packet's header fields travel from the hash stage to the rewrite as one bundle per
  // stage, {class, l3_off, l4_off, proto, src, dst, sport, dport, l4_csum, len, hop}, and a host
  // operation as another, {reply table, write, way, entry}; the functions name the fields.
  localparam integer HW = 357;
  localparam integer HOSTW = 4 + EW;
  // verilator lint_off UNUSEDSIGNAL
  function automatic [3:0] hdr_class(input [HW-1:0] b); hdr_class = b[356:353]; endfunction
  function automatic [7:0] hdr_l3_off(input [HW-1:0] b); hdr_l3_off = b[352:345]; endfunction
  function automatic [8:0] hdr_l4_off(input [HW-1:0] b); hdr_l4_off = b[344:336]; endfunction
  function automatic [7:0] hdr_proto(input [HW-1:0] b); hdr_proto = b[335:328]; endfunction
  function automatic [127:0] hdr_src(input [HW-1:0] b); hdr_src = b[327:200]; endfunction
  function automatic [127:0] hdr_dst(input [HW-1:0] b); hdr_dst = b[199:72]; endfunction
  function automatic [15:0] hdr_sport(input [HW-1:0] b); hdr_sport = b[71:56]; endfunction
  function automatic [15:0] hdr_dport(input [HW-1:0] b); hdr_dport = b[55:40]; endfunction
  function automatic [15:0] hdr_l4_csum(input [HW-1:0] b); hdr_l4_csum = b[39:24]; endfunction
  function automatic [15:0] hdr_len(input [HW-1:0] b); hdr_len = b[23:8]; endfunction
  function automatic [7:0] hdr_hop(input [HW-1:0] b); hdr_hop = b[7:0]; endfunction
  function automatic ho_reply(input [HOSTW-1:0] b); ho_reply = b[EW+3]; endfunction
  function automatic ho_write(input [HOSTW-1:0] b); ho_write = b[EW+2]; endfunction
  function automatic [1:0] ho_way(input [HOSTW-1:0] b); ho_way = b[EW+1:EW]; endfunction
  function automatic [EW-1:0] ho_entry(input [HOSTW-1:0] b); ho_entry = b[EW-1:0]; endfunction
  // verilator lint_on UNUSEDSIGNAL

  // ---------------------------------------------------------------- stage hash
  wire [295:0] key_flow = make_key(p_src, p_dst, p_sport, p_dport, p_proto);
  wire [295:0] key_src = make_key(p_src, 128'd0, 16'd0, 16'd0, 8'd0);
  wire [295:0] key_srcproto = make_key(p_src, 128'd0, 16'd0, 16'd0, p_proto);

  logic       vip_hit;
  logic [7:0] vip_idx;
  always_comb begin
    integer s;
    vip_hit = 1'b0;
    vip_idx = 8'd0;
    for (s = N_SERVICES - 1; s >= 0; s = s - 1)
      if (svc_valid[sidx(s[7:0])] && svc_vip[sidx(s[7:0])] == p_dst &&
          svc_proto[sidx(s[7:0])] == p_proto && svc_port[sidx(s[7:0])] == p_dport) begin
        vip_hit = 1'b1;
        vip_idx = s[7:0];
      end
  end
  // A packet from a valid service's VIP (any protocol and port) is spoofed, if the parser's
  // source checks left it to this one (p_src_check); the class changes a stage later, in fwd_rd,
  // so the compare is not in series with anything here.
  logic src_vip;
  always_comb begin
    integer s;
    src_vip = 1'b0;
    for (s = 0; s < N_SERVICES; s = s + 1)
      if (svc_valid[sidx(s[7:0])] && svc_vip[sidx(s[7:0])] == p_src) src_vip = 1'b1;
  end
  // The reply set is addressed by the client side: the source of a packet to a service
  // (key_rev), the destination of a reply (key_dst). Both are
  // hashed and the service match chooses between them a stage later, so the CRC does not wait
  // for the VIP compare.
  wire [295:0] key_rev = make_key(p_src, 128'd0, p_sport, 16'd0, p_proto);
  wire [295:0] key_dst = make_key(p_dst, 128'd0, p_dport, 16'd0, p_proto);
  wire [31:0] crc_flow, crc_src, crc_srcproto, crc_dst, crc_rev;
  v6lb_crc32c_key crc_flow_i (.key(key_flow), .crc(crc_flow));
  v6lb_crc32c_key crc_src_i (.key(key_src), .crc(crc_src));
  v6lb_crc32c_key crc_srcproto_i (.key(key_srcproto), .crc(crc_srcproto));
  v6lb_crc32c_key crc_dst_i (.key(key_dst), .crc(crc_dst));
  v6lb_crc32c_key crc_rev_i (.key(key_rev), .crc(crc_rev));

  logic         h_valid;
  logic [HW-1:0] h_hdr;  // the header fields (hdr_* below)
  logic [31:0]  h_tick;
  logic [295:0] h_key;
  logic         h_svc_hit;
  logic [7:0]   h_svc;
  logic         h_vip_hit;
  logic         h_spoof;
  logic [31:0]  h_crc_flow, h_crc_src, h_crc_srcproto, h_crc_dst, h_crc_rev;

  always_ff @(posedge clk) begin
    h_valid <= p_valid && !rst;
    h_hdr <= {p_class, p_l3_off, p_l4_off, p_proto, p_src, p_dst, p_sport, p_dport, p_l4_csum,
              p_len, p_hop_limit};
    h_tick <= p_tick;
    h_key <= key_flow;
    h_svc_hit <= p_class == C_L4 && vip_hit;
    h_svc <= vip_idx;
    h_crc_flow <= crc_flow;
    h_crc_src <= crc_src;
    h_crc_srcproto <= crc_srcproto;
    h_vip_hit <= vip_hit;
    h_spoof <= p_src_check && src_vip;
    h_crc_dst <= crc_dst;
    h_crc_rev <= crc_rev;
  end

  // ---------------------------------------------------------------- stage fwd_rd
  // The operation entering: the packet, else a waiting host access, else an aging step.
  logic [31:0] last_tick;  // aging judges by the newest packet time, never ahead of a packet
  logic [FLOW_SETS_LOG2-1:0] age_set;
  // After reset both flow tables are cleared one set per clock; no operation runs meanwhile
  // (v6lb_top holds the ingress on !ready).
  logic init_active;
  logic [FLOW_SETS_LOG2-1:0] init_idx;
  always_ff @(posedge clk) begin
    if (rst) begin
      init_active <= 1'b1;
      init_idx <= '0;
    end else if (init_active) begin
      init_idx <= init_idx + 1'b1;
      if (&init_idx) init_active <= 1'b0;
    end
  end
  assign ready = !init_active;

  wire [1:0] op_in = init_active ? OP_NONE : h_valid ? OP_PKT : host_req ? OP_HOST :
                     aging_en ? OP_AGE : OP_NONE;
  assign host_taken = !init_active && !h_valid && host_req;

  wire [1:0]  sched = svc_sched[sidx(h_svc)];
  wire [31:0] mhash = sched == `V6LB_TBL_SERVICE_SCHEDULER_MAGLEV ? h_crc_flow :
                      sched == `V6LB_TBL_SERVICE_SCHEDULER_SOURCE_IP ? h_crc_src : h_crc_srcproto;
  // verilator lint_off UNUSEDSIGNAL
  wire [63:0] mprod = {32'd0, mhash} * MAGLEV_M;  // the high word is the index
  // verilator lint_on UNUSEDSIGNAL
  wire [31:0] midx = mprod[63:32];
  wire [63:0] mg_base = ({56'd0, h_svc} * 2 + {63'd0, active_bank[sidx(h_svc)]}) * MAGLEV_M;
  // verilator lint_off UNUSEDSIGNAL
  wire [63:0] mg_raddr = mg_base + {32'd0, midx};  // MG_AW bits address the table
  // verilator lint_on UNUSEDSIGNAL

  wire [FLOW_SETS_LOG2-1:0] host_set = host_index[FLOW_SETS_LOG2+1:2];
  wire [FLOW_SETS_LOG2-1:0] fwd_set_in =
      op_in == OP_PKT ? h_crc_flow[FLOW_SETS_LOG2-1:0] : op_in == OP_HOST ? host_set : age_set;
  // verilator lint_off UNUSEDSIGNAL
  wire [31:0] h_crc_client = h_vip_hit ? h_crc_rev : h_crc_dst;  // sliced to the set index
  // verilator lint_on UNUSEDSIGNAL
  wire [FLOW_SETS_LOG2-1:0] rep_set_in =
      op_in == OP_PKT ? h_crc_client[FLOW_SETS_LOG2-1:0] : op_in == OP_HOST ? host_set : age_set;

  logic [15:0] mg_q;
  always_ff @(posedge clk) mg_q <= maglev[mg_raddr[MG_AW-1:0]];

  logic [1:0]   r_op;
  logic [HW-1:0] r_hdr;  // the header fields (hdr_* below)
  logic [31:0]  r_now, r_timeout;
  logic [295:0] r_key;
  logic         r_svc_hit;
  logic [7:0]   r_svc;
  logic [FLOW_SETS_LOG2-1:0] r_fwd_set, r_rep_set;
  logic [HOSTW-1:0] r_host;  // the host operation (host_* below)

  always_ff @(posedge clk) begin
    r_op <= rst ? OP_NONE : op_in;
    r_hdr <= h_spoof ? {C_SPOOFED, h_hdr[HW-5:0]} : h_hdr;  // the class is the top field
    r_now <= h_valid ? h_tick : last_tick;
    r_timeout <= svc_timeout[sidx(h_svc)];
    r_key <= h_key;
    r_svc_hit <= h_svc_hit && !h_spoof;
    r_svc <= h_svc;
    r_fwd_set <= fwd_set_in;
    r_rep_set <= rep_set_in;
    r_host <= {host_reply_table, host_write, host_index[1:0], host_wdata};
    if (h_valid) last_tick <= h_tick;
    if (op_in == OP_AGE) age_set <= age_set + 1'b1;
    if (rst) begin
      last_tick <= 32'd0;
      age_set <= '0;
    end
  end

  // ---------------------------------------------------------------- forward table
  // One memory per way: a write changes only the ways it names, so nothing merges the new entry
  // into the rest of the set on the way to the write port.
  wire  [SW-1:0]   fwd_q, fwd_mq, fwd_mw;  // the set read; its two candidates (v6lb_flow_mem)
  wire  [WAYS-1:0] fwd_mb;
  logic [WAYS-1:0] fwd_we;
  logic [SW-1:0]   fwd_wdata;
  logic [FLOW_SETS_LOG2-1:0] e_fwd_set;
  genvar gfw;
  generate
    for (gfw = 0; gfw < WAYS; gfw = gfw + 1) begin : g_fwd_way
      v6lb_flow_mem #(.SETS_LOG2(FLOW_SETS_LOG2), .WORD_WIDTH(EW)) fwd_mem (
          .clk(clk), .rd_en(op_in != OP_NONE), .rd_addr(fwd_set_in), .rd_data(fwd_q[gfw*EW+:EW]),
          .rd_q(fwd_mq[gfw*EW+:EW]), .rd_wdata(fwd_mw[gfw*EW+:EW]), .rd_byp(fwd_mb[gfw]),
          .wr_en(fwd_we[gfw]), .wr_addr(init_active ? init_idx : e_fwd_set),
          .wr_data(init_active ? {EW{1'b0}} : fwd_wdata[gfw*EW+:EW]));
    end
  endgenerate

  // ---------------------------------------------------------------- stage fwd_cmp
  // Everything about each way of the set that the decision needs, as flags: the key matches,
  // valid, live, due for a refresh, its backend valid. The set was read after every write up to
  // the op two ahead (the memory's bypass); the op one ahead (in fwd_ex now) writes this clock,
  // so its effect is forwarded: this op's flags against what that op writes (its key, deadline,
  // backend) are made here too, from that op's registers, and fwd_ex picks them per way.
  wire [31:0] r_deadline = lifetime_end(r_now, r_timeout);
  wire        pick_ok = mg_q != NO_BACKEND && bok(mg_q) && be_valid[bidx(mg_q)];

  // What this op will write into a way, for the flags of the op behind it: a packet writes its
  // key with its deadline (a learn, or a refresh of the entry with its key); a host write the
  // entry it carries; an aging step clears valid bits.
  logic [295:0] e_wkey;
  logic [31:0]  e_wdl;
  logic         e_wvalid;
  logic [15:0]  e_wbe;
  // The op ahead's write, against this op.
  wire fw_keq = e_wkey == r_key;
  wire fw_live = e_wvalid && live_at(e_wdl, r_now);
  wire fw_due = due_at(e_wdl, r_now, r_timeout);
  wire fw_beok = be_ok(e_wbe);
  wire fw_same = e_op != OP_NONE && e_fwd_set == r_fwd_set;

  // Per way, the flags fwd_ex decides on, already combined (so fwd_ex only picks, per way, the
  // set of flags that matches what the op ahead wrote there): a live match (m), one whose
  // backend is valid (mb), a valid key match (kv), free or expired (fr), due for a refresh
  // (du), to be cleared by aging (cl), valid (vld); and m, mb, fr, cl again for the case that
  // the op ahead refreshes this entry (its deadline is then e_wdl: live is fw_live).
  // They are made from both candidates of the memory's bypass and selected last, so the select
  // is not in series with the compares and subtractions.
  function automatic [10:0] fwd_flags(input [EW-1:0] e, input [295:0] key, input [31:0] now,
                                      input [31:0] t, input fwlive);
    logic keq, lv, bo, dl;
    keq = e[295:0] == key;
    lv = live(e, now);
    bo = be_ok(e[312:297]);
    dl = e[296] && fwlive;
    fwd_flags = {lv && keq, lv && keq && bo, e[296] && keq, !lv, due(e, now, t), e[296] && !lv,
                 e[296], dl && keq, dl && keq && bo, !dl, e[296] && !fwlive};
  endfunction

  logic [WAYS-1:0] c_m, c_mb, c_kv, c_fr, c_du, c_cl, c_vld, c_dm, c_dmb, c_dfr, c_dcl;
  always_comb begin
    integer w;
    for (w = 0; w < WAYS; w = w + 1)
      {c_m[w], c_mb[w], c_kv[w], c_fr[w], c_du[w], c_cl[w], c_vld[w], c_dm[w], c_dmb[w],
       c_dfr[w], c_dcl[w]} =
          fwd_mb[w] ? fwd_flags(fwd_mw[w*EW+:EW], r_key, r_now, r_timeout, fw_live) :
                      fwd_flags(fwd_mq[w*EW+:EW], r_key, r_now, r_timeout, fw_live);
  end

  logic [1:0]   e_op;
  logic [HW-1:0] e_hdr;  // the header fields (hdr_* below)
  logic [31:0]  e_now, e_deadline;
  logic [295:0] e_key;
  logic         e_svc_hit;
  logic [7:0]   e_svc;
  logic [FLOW_SETS_LOG2-1:0] e_rep_set;
  logic [HOSTW-1:0] e_host;  // the host operation (host_* below)
  logic [SW-1:0] e_set;
  logic [WAYS-1:0] e_m, e_mb, e_kv, e_fr, e_du, e_cl, e_vld, e_dm, e_dmb, e_dfr, e_dcl;
  logic         e_fw_same, e_fm, e_fmb, e_fkv, e_ffr, e_fdu, e_fcl, e_fvld;
  logic [15:0]  e_mg;
  logic         e_pick_ok;

  always_ff @(posedge clk) begin
    e_op <= rst ? OP_NONE : r_op;
    e_hdr <= r_hdr;
    e_now <= r_now;
    e_deadline <= r_deadline;
    e_key <= r_key;
    e_svc_hit <= r_svc_hit;
    e_svc <= r_svc;
    e_fwd_set <= r_fwd_set;
    e_rep_set <= r_rep_set;
    e_host <= r_host;
    e_set <= fwd_q;
    e_m <= c_m;
    e_mb <= c_mb;
    e_kv <= c_kv;
    e_fr <= c_fr;
    e_du <= c_du;
    e_cl <= c_cl;
    e_vld <= c_vld;
    e_dm <= c_dm;
    e_dmb <= c_dmb;
    e_dfr <= c_dfr;
    e_dcl <= c_dcl;
    // The same flags for the entry the op ahead writes whole.
    e_fw_same <= fw_same;
    e_fm <= fw_live && fw_keq;
    e_fmb <= fw_live && fw_keq && fw_beok;
    e_fkv <= e_wvalid && fw_keq;
    e_ffr <= !fw_live;
    e_fdu <= fw_due;
    e_fcl <= e_wvalid && !fw_live;
    e_fvld <= e_wvalid;
    e_mg <= mg_q;
    e_pick_ok <= pick_ok;
    e_wkey <= r_op == OP_HOST ? r_host[295:0] : r_key;
    e_wdl <= r_op == OP_HOST ? r_host[352:321] : r_deadline;
    e_wvalid <= r_op == OP_HOST ? r_host[296] : 1'b1;
    e_wbe <= r_op == OP_HOST ? r_host[312:297] : mg_q;
  end

  // ---------------------------------------------------------------- stage fwd_ex
  // The op ahead's writes, one kind per way: a whole entry (learn, host write), the deadline
  // alone (refresh), or the valid bit cleared (aging).
  // Per way, two bits {k1, k0} (W_* above): two bits rather than three flags, so each forwarded
  // flag is one 6-input LUT.
  logic [WAYS-1:0] lw_k1, lw_k0;
  logic [SW-1:0]   lw_data;
  wire pkt_to_svc = e_op == OP_PKT && e_svc_hit;

  logic [WAYS-1:0] fx_m, fx_mb, fx_kv, fx_fr, fx_du, fx_cl, fx_vld;
  logic [SW-1:0]   set_d;   // the set as the op ahead left it
  always_comb begin
    integer w;
    for (w = 0; w < WAYS; w = w + 1) begin
      {fx_m[w], fx_mb[w], fx_kv[w], fx_fr[w], fx_du[w], fx_cl[w], fx_vld[w]} =
          {e_m[w], e_mb[w], e_kv[w], e_fr[w], e_du[w], e_cl[w], e_vld[w]};
      case ({e_fw_same, lw_k1[w], lw_k0[w]})
        {1'b1, W_FULL}:  // the op ahead wrote a whole entry here
          {fx_m[w], fx_mb[w], fx_kv[w], fx_fr[w], fx_du[w], fx_cl[w], fx_vld[w]} =
              {e_fm, e_fmb, e_fkv, e_ffr, e_fdu, e_fcl, e_fvld};
        {1'b1, W_DEADLINE}:  // it refreshed this entry
          {fx_m[w], fx_mb[w], fx_fr[w], fx_du[w], fx_cl[w]} =
              {e_dm[w], e_dmb[w], e_dfr[w], e_fdu, e_dcl[w]};
        {1'b1, W_CLEAR}:  // it cleared this entry's valid bit
          {fx_m[w], fx_mb[w], fx_kv[w], fx_fr[w], fx_cl[w], fx_vld[w]} = 6'b000100;
        default: ;
      endcase
      set_d[w*EW+:EW] = (e_fw_same && (lw_k1[w] || lw_k0[w])) ? lw_data[w*EW+:EW] :
                                                                 e_set[w*EW+:EW];
    end
  end

  logic        hit;        // a live entry whose backend is still valid
  logic [15:0] hit_be;
  logic        ins_ok;
  logic        f_write_reply, f_learned, f_full, f_no_backend;
  logic [15:0] f_be;
  logic [EW-1:0] f_host_rdata;
  logic [WAYS-1:0] f_full_w, f_dl_w, f_clr_w, f_new_vld;
  logic [WAYS-1:0] lk1, ins1;  // one-hot: the live match; the insert way

  // The lowest way of each kind: a hit takes the live match; an insert the way holding the key
  // (live or not, so keys are never duplicated), else the first free or expired way. Written
  // one-hot, so every write enable is a short AND-OR of the flags.
  always_comb begin
    ins1 = first_way(fx_kv);
    if (ins1 == '0) ins1 = first_way(fx_fr);
  end
  assign lk1 = first_way(fx_m);
  assign ins_ok = |(fx_kv | fx_fr);
  assign hit = |(lk1 & fx_mb);
  wire hit_due = |(lk1 & fx_du);

  wire op_host_fwd_write = e_op == OP_HOST && !ho_reply(e_host) && ho_write(e_host);
  always_comb begin
    integer w;
    logic [EW-1:0] e;
    hit_be = 16'd0;
    for (w = 0; w < WAYS; w = w + 1) if (lk1[w]) hit_be = set_d[w*EW+297+:16];
    f_host_rdata = set_d[ho_way(e_host)*EW+:EW];
    for (w = 0; w < WAYS; w = w + 1) begin
      e = set_d[w*EW+:EW];
      // A refresh can only be of the live match with a valid backend (and then nothing is
      // learned), a learn only when there is none. A way a packet writes is the first live
      // match exactly when it is a live match with a valid backend at all (fx_mb): a learn's way
      // is the first valid key match or a way that is not live, neither with fx_mb set when
      // nothing hit. So the data does not wait for the first-way choice.
      if (e_op == OP_HOST) fwd_wdata[w*EW+:EW] = ho_entry(e_host);
      else if (e_op == OP_AGE) fwd_wdata[w*EW+:EW] = {e[EW-1:297], 1'b0, e[295:0]};
      else if (fx_mb[w]) fwd_wdata[w*EW+:EW] = {e_deadline, e[320:0]};
      else fwd_wdata[w*EW+:EW] = make_entry(e_key, e_mg, e_svc, e_deadline);
      f_dl_w[w] = pkt_to_svc && lk1[w] && fx_mb[w] && fx_du[w];
      f_full_w[w] = (pkt_to_svc && !hit && e_pick_ok && ins1[w]) ||
                    (op_host_fwd_write && ho_way(e_host) == w[1:0]);
      f_clr_w[w] = e_op == OP_AGE && fx_cl[w];
      // A learn or a refresh leaves the way valid; only a host write or aging says otherwise.
      f_new_vld[w] = e_op == OP_HOST ? e_host[296] : e_op != OP_AGE;
    end
    // init_active: the clear after reset writes every way (no op runs meanwhile).
    fwd_we = f_full_w | f_dl_w | f_clr_w | {WAYS{init_active}};
    f_write_reply = pkt_to_svc && (hit ? hit_due : e_pick_ok && ins_ok);
    f_learned = pkt_to_svc && !hit && e_pick_ok && ins_ok;
    f_full = pkt_to_svc && !hit && e_pick_ok && !ins_ok;
    f_no_backend = pkt_to_svc && !hit && !e_pick_ok;
    f_be = pkt_to_svc && !hit ? e_mg : hit_be;
  end

  always_ff @(posedge clk) begin
    lw_k0 <= init_active ? '0 : f_full_w | f_clr_w;  // W_FULL or W_CLEAR
    lw_k1 <= init_active ? '0 : f_dl_w | f_clr_w;
    lw_data <= fwd_wdata;
  end

  logic [1:0]   x_op;
  logic [HW-1:0] x_hdr;  // the header fields (hdr_* below)
  logic [31:0]  x_now, x_deadline;
  logic [295:0] x_key;
  logic         x_svc_hit;
  logic [7:0]   x_svc;
  logic [FLOW_SETS_LOG2-1:0] x_rep_set;
  logic [HOSTW-1:0] x_host;  // the host operation (host_* below)
  logic [EW-1:0] x_host_rdata;
  logic         x_write_reply, x_learned, x_full, x_no_backend;
  logic [15:0]  x_be;
  logic [WAYS-1:0] x_fwd_we, x_fwd_old_vld, x_fwd_new_vld;

  always_ff @(posedge clk) begin
    x_op <= rst ? OP_NONE : e_op;
    x_hdr <= e_hdr;
    x_now <= e_now;
    x_deadline <= e_deadline;
    x_key <= e_key;
    x_svc_hit <= e_svc_hit;
    x_svc <= e_svc;
    x_rep_set <= e_rep_set;
    x_host <= e_host;
    x_host_rdata <= f_host_rdata;
    x_write_reply <= f_write_reply;
    x_learned <= f_learned;
    x_full <= f_full;
    x_no_backend <= f_no_backend;
    x_be <= f_be;
    x_fwd_we <= f_full_w | f_dl_w | f_clr_w;
    x_fwd_old_vld <= fx_vld;
    x_fwd_new_vld <= f_new_vld;
  end
  // Occupancy change of the forward table: ways that became valid minus ways that stopped.
  logic signed [3:0] x_occ_fwd;
  assign x_occ_fwd = $signed({1'b0, count4(x_fwd_we & x_fwd_new_vld)}) -
                     $signed({1'b0, count4(x_fwd_we & x_fwd_old_vld)});

  // ---------------------------------------------------------------- stage rep_key
  // The key this op looks up in the reply table: a packet to a service writes the entry its
  // reply will find (backend address and port, client address and port); everything else looks
  // up its own key.
  // rkey is used only when this op learns or refreshes with a backend, which is then a valid one
  // (a pick or an entry that passed bok): the index needs no range check of its own.
  wire [295:0] rkey = make_key(be_addr[bidx(x_be)], hdr_src(x_hdr), be_svc_port[bidx(x_be)][15:0],
                               hdr_sport(x_hdr), hdr_proto(x_hdr));
  wire pkt_to_svc_x = x_op == OP_PKT && x_svc_hit;
  wire pkt_reply_x = x_op == OP_PKT && !x_svc_hit && hdr_class(x_hdr) == C_L4;

  wire [SW-1:0] rep_q, rep_mq, rep_mw;  // as fwd_q, fwd_mq, fwd_mw
  wire [WAYS-1:0] rep_mb;
  logic [WAYS-1:0] rep_we;
  logic [SW-1:0]   rep_wdata;
  logic [FLOW_SETS_LOG2-1:0] z_rep_set;
  genvar grw;
  generate
    for (grw = 0; grw < WAYS; grw = grw + 1) begin : g_rep_way
      v6lb_flow_mem #(.SETS_LOG2(FLOW_SETS_LOG2), .WORD_WIDTH(EW)) rep_mem (
          .clk(clk), .rd_en(x_op != OP_NONE), .rd_addr(x_rep_set), .rd_data(rep_q[grw*EW+:EW]),
          .rd_q(rep_mq[grw*EW+:EW]), .rd_wdata(rep_mw[grw*EW+:EW]), .rd_byp(rep_mb[grw]),
          .wr_en(rep_we[grw]), .wr_addr(init_active ? init_idx : z_rep_set),
          .wr_data(init_active ? {EW{1'b0}} : rep_wdata[grw*EW+:EW]));
    end
  endgenerate

  logic [1:0]   k_op;
  logic [HW-1:0] k_hdr;  // the header fields (hdr_* below)
  logic [31:0]  k_now;
  logic [295:0] k_key, k_rkey;
  logic         k_to_svc, k_reply;
  logic [7:0]   k_svc;
  logic [31:0]  k_deadline;  // this op's, if it learns (the forward entry's, made in fwd_cmp)
  logic [15:0]  k_be;
  logic [FLOW_SETS_LOG2-1:0] k_rep_set;
  logic [HOSTW-1:0] k_host;  // the host operation (host_* below)
  logic [EW-1:0] k_host_rdata;
  logic         k_write_reply, k_learned, k_full, k_no_backend;
  logic signed [3:0] k_occ_fwd;

  always_ff @(posedge clk) begin
    k_op <= rst ? OP_NONE : x_op;
    k_hdr <= x_hdr;
    k_now <= x_now;
    k_deadline <= x_deadline;
    k_key <= pkt_to_svc_x ? rkey : x_key;
    k_rkey <= rkey;
    k_to_svc <= pkt_to_svc_x;
    k_reply <= pkt_reply_x;
    k_svc <= x_svc;
    k_be <= x_be;
    k_rep_set <= x_rep_set;
    k_host <= x_host;
    k_host_rdata <= x_host_rdata;
    k_write_reply <= x_write_reply;
    k_learned <= x_learned;
    k_full <= x_full;
    k_no_backend <= x_no_backend;
    k_occ_fwd <= x_occ_fwd;
  end

  // ---------------------------------------------------------------- stage rep_cmp
  // Per-way flags as in fwd_cmp, plus what a reply needs: the entry's service and backend still
  // valid. A reply never refreshes its entry (docs/PIPELINE.md §4): only a packet to a service
  // writes the reply table, so the op ahead (in rep_ex) writes this clock either a whole entry
  // (a learn, a refresh or a host write: its fields are that op's registers) or cleared valid
  // bits (aging).
  function automatic entry_ok(input [7:0] s, input [15:0] b);
    entry_ok = sok(s) && svc_valid[sidx(s)] && bok(b) && be_valid[bidx(b)];
  endfunction

  // The op ahead, as registers of rep_ex.
  logic [295:0] z_wkey;
  logic [31:0]  z_wdl;
  logic         z_wvalid;
  logic [7:0]   z_wsvc;
  logic [15:0]  z_wbe;
  logic [1:0]   z_op;
  // The flags rep_ex decides on, combined as in fwd_cmp: a live match (m), a valid key match
  // (kv), free or expired (fr), to be cleared by aging (cl), valid (vld), the entry's service
  // and backend valid (ok, kept apart from m: the two table lookups are the deep part). Made for
  // both candidates of the memory's bypass, selected last.
  function automatic [5:0] rep_flags(input [EW-1:0] e, input [295:0] key, input [31:0] now);
    logic keq, lv;
    keq = e[295:0] == key;
    lv = live(e, now);
    rep_flags = {lv && keq, e[296] && keq, !lv, e[296] && !lv, e[296],
                 entry_ok(e[320:313], e[312:297])};
  endfunction

  logic [WAYS-1:0] rc_m, rc_kv, rc_fr, rc_cl, rc_vld, rc_ok;
  always_comb begin
    integer w;
    for (w = 0; w < WAYS; w = w + 1)
      {rc_m[w], rc_kv[w], rc_fr[w], rc_cl[w], rc_vld[w], rc_ok[w]} =
          rep_mb[w] ? rep_flags(rep_mw[w*EW+:EW], k_key, k_now) :
                      rep_flags(rep_mq[w*EW+:EW], k_key, k_now);
  end
  wire rfw_keq = z_wkey == k_key;
  wire rfw_live = z_wvalid && live_at(z_wdl, k_now);
  wire rfw_ok = entry_ok(z_wsvc, z_wbe);
  wire rfw_same = z_op != OP_NONE && z_rep_set == k_rep_set;

  logic [HW-1:0] z_hdr;  // the header fields (hdr_* below)
  logic [31:0]  z_deadline;
  logic [295:0] z_rkey;
  logic         z_to_svc, z_reply;
  logic [7:0]   z_svc;
  logic [15:0]  z_be;
  logic [HOSTW-1:0] z_host;  // the host operation (host_* below)
  logic [EW-1:0] z_host_rdata;
  logic         z_write_reply, z_learned, z_full, z_no_backend;
  logic signed [3:0] z_occ_fwd;
  logic [SW-1:0] z_set;
  logic [WAYS-1:0] z_m, z_kv, z_fr, z_cl, z_vld, z_ok;
  logic         z_fw_same, z_fm, z_fkv, z_ffr, z_fcl, z_fvld, z_fok;

  always_ff @(posedge clk) begin
    z_op <= rst ? OP_NONE : k_op;
    z_hdr <= k_hdr;
    z_deadline <= k_deadline;
    z_rkey <= k_rkey;
    z_to_svc <= k_to_svc;
    z_reply <= k_reply;
    z_svc <= k_svc;
    z_be <= k_be;
    z_rep_set <= k_rep_set;
    z_host <= k_host;
    z_host_rdata <= k_host_rdata;
    z_write_reply <= k_write_reply;
    z_learned <= k_learned;
    z_full <= k_full;
    z_no_backend <= k_no_backend;
    z_occ_fwd <= k_occ_fwd;
    z_set <= rep_q;
    z_m <= rc_m;
    z_kv <= rc_kv;
    z_fr <= rc_fr;
    z_cl <= rc_cl;
    z_vld <= rc_vld;
    z_ok <= rc_ok;
    // The same flags for the entry the op ahead writes whole.
    z_fw_same <= rfw_same;
    z_fm <= rfw_live && rfw_keq;
    z_fkv <= z_wvalid && rfw_keq;
    z_ffr <= !rfw_live;
    z_fcl <= z_wvalid && !rfw_live;
    z_fvld <= z_wvalid;
    z_fok <= rfw_ok;
    // What this op writes as a whole entry, for the op behind it.
    z_wkey <= k_op == OP_HOST ? k_host[295:0] : k_rkey;
    z_wdl <= k_op == OP_HOST ? k_host[352:321] : k_deadline;
    z_wvalid <= k_op == OP_HOST ? k_host[296] : 1'b1;
    z_wsvc <= k_op == OP_HOST ? k_host[320:313] : k_svc;
    z_wbe <= k_op == OP_HOST ? k_host[312:297] : k_be;
  end

  // ---------------------------------------------------------------- stage rep_ex
  logic [WAYS-1:0] lr_k0, lr_k1;  // per way, as lw_k1/lw_k0 in fwd_ex (never W_DEADLINE here)
  logic [SW-1:0]   lr_data;

  logic [WAYS-1:0] rm, rkv, rfr, rcl, rvld, rok;
  logic [SW-1:0]   rset;   // the set as the op ahead left it
  always_comb begin
    integer w;
    for (w = 0; w < WAYS; w = w + 1) begin
      {rm[w], rkv[w], rfr[w], rcl[w], rvld[w], rok[w]} =
          {z_m[w], z_kv[w], z_fr[w], z_cl[w], z_vld[w], z_ok[w]};
      case ({z_fw_same, lr_k1[w], lr_k0[w]})
        {1'b1, W_FULL}:
          {rm[w], rkv[w], rfr[w], rcl[w], rvld[w], rok[w]} =
              {z_fm, z_fkv, z_ffr, z_fcl, z_fvld, z_fok};
        {1'b1, W_CLEAR}:
          {rm[w], rkv[w], rfr[w], rcl[w], rvld[w]} = 5'b00100;
        default: ;
      endcase
      rset[w*EW+:EW] = (z_fw_same && (lr_k1[w] || lr_k0[w])) ?
                       lr_data[w*EW+:EW] : z_set[w*EW+:EW];
    end
  end

  logic        y_full;
  logic        rep_ok;        // reply path: a live entry with valid service and backend
  logic [7:0]  rep_svc;
  logic [15:0] rep_be;
  logic [EW-1:0] y_host_rdata;
  logic [WAYS-1:0] rx_full, rx_clr, rx_new_vld;
  logic [WAYS-1:0] rlk1, rins1;  // one-hot: the live match; the insert way

  // The same choices as fwd_ex, one-hot.
  always_comb begin
    rins1 = first_way(rkv);
    if (rins1 == '0) rins1 = first_way(rfr);
  end
  assign rlk1 = first_way(rm);
  wire rins_ok = |(rkv | rfr);
  assign rep_ok = |(rlk1 & rok);
  wire op_host_rep_write = z_op == OP_HOST && ho_reply(z_host) && ho_write(z_host);
  wire learn_reply = z_to_svc && z_write_reply;

  always_comb begin
    integer w;
    // verilator lint_off UNUSEDSIGNAL
    logic [EW-1:0] e;  // aging rewrites it with the valid bit cleared
    // verilator lint_on UNUSEDSIGNAL
    rep_svc = 8'd0;
    rep_be = 16'd0;
    for (w = 0; w < WAYS; w = w + 1)
      if (rlk1[w]) begin
        rep_svc = rset[w*EW+313+:8];
        rep_be = rset[w*EW+297+:16];
      end
    y_host_rdata = rset[ho_way(z_host)*EW+:EW];
    for (w = 0; w < WAYS; w = w + 1) begin
      e = rset[w*EW+:EW];
      if (z_op == OP_HOST) rep_wdata[w*EW+:EW] = ho_entry(z_host);
      else if (z_op == OP_AGE) rep_wdata[w*EW+:EW] = {e[EW-1:297], 1'b0, e[295:0]};
      else rep_wdata[w*EW+:EW] = make_entry(z_rkey, z_be, z_svc, z_deadline);
      rx_full[w] = (learn_reply && rins1[w]) || (op_host_rep_write && ho_way(z_host) == w[1:0]);
      rx_clr[w] = z_op == OP_AGE && rcl[w];
      rx_new_vld[w] = z_op == OP_HOST ? z_host[296] : z_op != OP_AGE;
    end
    y_full = learn_reply && !rins_ok;
    rep_we = rx_full | rx_clr | {WAYS{init_active}};
  end

  always_ff @(posedge clk) begin
    lr_k0 <= init_active ? '0 : rx_full | rx_clr;
    lr_k1 <= init_active ? '0 : rx_clr;
    lr_data <= rep_wdata;
  end

  logic [1:0]   y_op;
  logic [HW-1:0] y_hdr;  // the header fields (hdr_* below)
  logic         y_to_svc, y_reply_ok, y_learned, y_table_full, y_no_backend, y_no_room;
  logic [7:0]   y_svc;
  logic [15:0]  y_be;
  logic signed [3:0] y_occ_fwd;
  logic [WAYS-1:0] y_rep_we, y_rep_old_vld, y_rep_new_vld;

  always_ff @(posedge clk) begin
    y_op <= rst ? OP_NONE : z_op;
    y_hdr <= z_hdr;
    y_to_svc <= z_to_svc && !z_no_backend && !z_full;
    y_reply_ok <= z_reply && rep_ok;
    y_learned <= z_learned;
    y_table_full <= z_full || y_full;
    y_no_backend <= z_to_svc && z_no_backend;
    y_no_room <= z_to_svc && z_full;
    y_svc <= z_to_svc ? z_svc : rep_svc;
    y_be <= z_to_svc ? z_be : rep_be;
    y_occ_fwd <= z_occ_fwd;
    y_rep_we <= rx_full | rx_clr;
    y_rep_old_vld <= rvld;
    y_rep_new_vld <= rx_new_vld;
    host_done <= z_op == OP_HOST && !rst;
    host_rdata <= ho_reply(z_host) ? y_host_rdata : z_host_rdata;
  end
  logic signed [3:0] y_occ_rep;
  assign y_occ_rep = $signed({1'b0, count4(y_rep_we & y_rep_new_vld)}) -
                     $signed({1'b0, count4(y_rep_we & y_rep_old_vld)});

  // ---------------------------------------------------------------- stages rewrite
  // Three clocks: rw_sel picks the new address and port (backend or VIP tables) and everything
  // the egress and the counters get; rw_sum adds the checksum terms in two balanced halves;
  // rw_out folds them into the new checksum. Nothing here feeds back into the tables.
  // The backend tables are read only for a packet to a service (y_be a valid pick or entry), the
  // service tables only for a reply forwarded (y_svc from an entry or reverse entry that passed
  // sok): the indices need no range check of their own.
  wire [BB-1:0] yb = bidx(y_be);
  wire [SB-1:0] ys = sidx(y_svc);
  wire         fwd = y_to_svc || y_reply_ok;
  wire         is_udp = hdr_proto(y_hdr) == 8'd17;

  logic [4:0] cls_counter;
  always_comb begin
    case (hdr_class(y_hdr))
      C_MALFORMED: cls_counter = K_DROP_MALFORMED[4:0];
      C_NOT_IPV6: cls_counter = K_DROP_NOT_IPV6[4:0];
      C_WRONG_MAC: cls_counter = K_DROP_WRONG_MAC[4:0];
      C_BAD_SOURCE: cls_counter = K_DROP_BAD_SOURCE[4:0];
      C_SPOOFED: cls_counter = K_DROP_SPOOFED[4:0];
      C_LOCAL: cls_counter = K_PUNT_LOCAL[4:0];
      C_FRAG: cls_counter = K_PUNT_FRAGMENT[4:0];
      C_EXT: cls_counter = K_PUNT_EXT[4:0];
      C_ICMP: cls_counter = K_PUNT_ICMP[4:0];
      C_HOP: cls_counter = K_PUNT_HOP[4:0];
      C_OTHER: cls_counter = K_DROP_NO_SERVICE[4:0];
      default:
        cls_counter = y_no_backend ? K_DROP_NO_BACKEND[4:0] :
                      y_no_room ? K_DROP_TABLE_FULL[4:0] : fwd ? K_NONE : K_DROP_NO_SERVICE[4:0];
    endcase
  end
  wire punt = hdr_class(y_hdr) >= C_LOCAL;
  wire pkt = y_op == OP_PKT;

  // The counter event and the egress fields but the checksum, as bundles carried to rw_out.
  localparam integer EVW = 1 + 1 + 5 + 16 + 6 + 8 + 16 + 4 + 4;
  localparam integer DVW = 1 + 2 + 48 + 48 + 9 + 8 + 9 + 128 + 9 + 16 + 9;
  logic [EVW-1:0] q_ev, u_ev;
  logic [DVW-1:0] q_dv, u_dv;
  logic [127:0]   q_old_addr;
  logic [15:0]    q_old_port, q_l4_csum;
  logic           q_udp;

  always_ff @(posedge clk) begin
    q_ev <= {(y_op != OP_NONE) && !rst, pkt, pkt ? cls_counter : K_NONE, hdr_len(y_hdr),
             pkt && fwd, pkt && punt, pkt && y_to_svc, pkt && y_reply_ok,
             pkt && y_learned, pkt && y_table_full, y_svc, y_be, y_occ_fwd, y_occ_rep};
    q_dv <= {pkt && !rst, fwd ? 2'd0 : punt ? 2'd1 : 2'd2,
             y_to_svc ? be_mac[yb] : router_mac, card_mac,
             {1'b0, hdr_l3_off(y_hdr)} + 9'd7, hdr_hop(y_hdr) - 8'd1,
             {1'b0, hdr_l3_off(y_hdr)} + (y_to_svc ? 9'd24 : 9'd8),
             y_to_svc ? be_addr[yb] : svc_vip[ys],
             hdr_l4_off(y_hdr) + (y_to_svc ? 9'd2 : 9'd0),
             y_to_svc ? be_svc_port[yb][15:0] : svc_port[ys],
             hdr_l4_off(y_hdr) + (is_udp ? 9'd6 : 9'd16)};
    q_old_addr <= y_to_svc ? hdr_dst(y_hdr) : hdr_src(y_hdr);
    q_old_port <= y_to_svc ? hdr_dport(y_hdr) : hdr_sport(y_hdr);
    q_l4_csum <= hdr_l4_csum(y_hdr);
    q_udp <= is_udp;
  end

  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the eight address words and the port: 19
  // terms, summed as two balanced trees (9 and 10 terms, 4 adder levels each).
  wire [127:0] q_new_addr = q_dv[9+16+9 +: 128];
  wire [15:0]  q_new_port = q_dv[9 +: 16];
  function automatic [19:0] sum_tree(input [20*16-1:0] t, input integer n);
    logic [20*16-1:0] v;  // 16 partial sums of 20 bits, added pairwise in place
    integer i;
    integer m;
    for (i = 0; i < 16; i = i + 1) v[20*i+:20] = i < n ? {4'd0, t[16*i+:16]} : 20'd0;
    for (m = 8; m >= 1; m = m / 2)
      for (i = 0; i < m; i = i + 1) v[20*i+:20] = v[20*(2*i)+:20] + v[20*(2*i+1)+:20];
    sum_tree = v[19:0];
  endfunction
  logic [20*16-1:0] lo_terms, hi_terms;
  always_comb begin
    integer i;
    lo_terms = '0;
    hi_terms = '0;
    lo_terms[0+:16] = ~q_l4_csum;
    for (i = 0; i < 4; i = i + 1) begin
      lo_terms[16*(1+2*i)+:16] = ~q_old_addr[16*i+:16];
      lo_terms[16*(2+2*i)+:16] = q_new_addr[16*i+:16];
      hi_terms[16*(2*i)+:16] = ~q_old_addr[16*(4+i)+:16];
      hi_terms[16*(1+2*i)+:16] = q_new_addr[16*(4+i)+:16];
    end
    hi_terms[16*8+:16] = ~q_old_port;
    hi_terms[16*9+:16] = q_new_port;
  end

  logic [19:0] u_lo, u_hi;
  logic        u_udp;
  always_ff @(posedge clk) begin
    u_ev <= rst ? '0 : q_ev;
    u_dv <= rst ? '0 : q_dv;
    u_lo <= sum_tree(lo_terms, 9);
    u_hi <= sum_tree(hi_terms, 10);
    u_udp <= q_udp;
  end

  logic [15:0] csum_new;
  always_comb begin
    logic [20:0] acc;
    logic [16:0] f1;
    logic [15:0] r;
    acc = {1'b0, u_lo} + {1'b0, u_hi};
    f1 = {1'b0, acc[15:0]} + {12'd0, acc[20:16]};
    r = f1[15:0] + {15'd0, f1[16]};
    csum_new = ~r;
    if (u_udp && csum_new == 16'd0) csum_new = 16'hFFFF;
  end

  always_ff @(posedge clk) begin
    {d_valid, d_verdict, d_dst_mac, d_src_mac, d_hop_off, d_hop, d_addr_off, d_addr, d_port_off,
     d_port, d_csum_off} <= u_dv;
    d_csum <= csum_new;
    {c_valid, c_is_packet, c_global, c_len, c_fwd, c_punt, c_to_service, c_reply,
     c_learned, c_table_full, c_service, c_backend, c_occ_fwd_delta,
     c_occ_rep_delta} <= u_ev;
    if (rst) begin
      d_valid <= 1'b0;
      c_valid <= 1'b0;
    end
  end
endmodule
